#include "load/conservation.hpp"

#include <charconv>
#include <cstdio>

namespace flagmeter::load {
namespace {

std::int64_t Lookup(const TokenTotals& totals, const std::string& tenant) {
  const auto it = totals.find(tenant);
  return it == totals.end() ? 0 : it->second;
}

std::string_view TrimLeft(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

}  // namespace

bool ConservationResult::Passed() const { return checked && error.empty() && !tenants.empty() && AllExact(tenants); }

std::vector<TenantBalance> Balance(const std::vector<std::string>& tenants, const TokenTotals& before,
                                   const TokenTotals& after, const TokenTotals& acknowledged) {
  std::vector<TenantBalance> balances;
  for (const std::string& tenant : tenants) {
    balances.push_back(TenantBalance{tenant, Lookup(before, tenant), Lookup(after, tenant), Lookup(acknowledged, tenant)});
  }
  return balances;
}

bool AllExact(const std::vector<TenantBalance>& balances) {
  for (const TenantBalance& balance : balances) {
    if (!balance.Exact()) return false;
  }
  return true;
}

std::optional<double> ParseGauge(std::string_view text, std::string_view name) {
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.substr(0, name.size()) != name || line.size() == name.size()) continue;
    const char after_name = line[name.size()];
    if (after_name != ' ' && after_name != '\t') continue;  // a longer name, or labels
    const std::string_view number = TrimLeft(line.substr(name.size()));
    double value = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::string FormatConservation(const ConservationResult& result) {
  if (!result.checked) return "Conservation: skipped (--no-conservation)\n";
  std::string out = "Conservation (tokens acknowledged with 201 == increase of totalTokens):\n";
  char line[256];
  for (const TenantBalance& b : result.tenants) {
    std::snprintf(line, sizeof line, "  %-32s acknowledged %14lld  increase %14lld  %s\n", b.tenant.c_str(),
                  static_cast<long long>(b.acknowledged), static_cast<long long>(b.Increase()),
                  b.Exact() ? "exact" : "MISMATCH");
    out += line;
  }
  if (!result.error.empty()) out += "  usage could not be read: " + result.error + "\n";
  std::snprintf(line, sizeof line, "  queue drained: %s; waited %.1fs%s\n", result.queue_drained ? "yes" : "no",
                result.wait_seconds, result.timed_out ? " (gave up: --drain-timeout)" : "");
  out += line;
  out += result.Passed() ? "Conservation Result: ✓ PASS\n" : "Conservation Result: ✗ FAIL\n";
  return out;
}

nlohmann::json ConservationJson(const ConservationResult& result) {
  nlohmann::json tenants = nlohmann::json::array();
  for (const TenantBalance& b : result.tenants) {
    tenants.push_back({{"tenant", b.tenant},
                       {"before", b.before},
                       {"after", b.after},
                       {"increase", b.Increase()},
                       {"acknowledged", b.acknowledged},
                       {"exact", b.Exact()}});
  }
  return {{"checked", result.checked},   {"passed", result.Passed()},          {"queue_drained", result.queue_drained},
          {"timed_out", result.timed_out}, {"wait_seconds", result.wait_seconds}, {"error", result.error},
          {"tenants", tenants}};
}

}  // namespace flagmeter::load
