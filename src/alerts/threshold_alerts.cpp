#include "flagmeter/alerts/threshold_alerts.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "flagmeter/core/civil_time.hpp"
#include "flagmeter/tenants/crypto.hpp"

namespace flagmeter {
namespace {

__extension__ using Int128 = __int128;

// "2026-11-01": periods start at UTC midnight.
std::string DateText(std::int64_t ms) {
  const CivilDate date = CivilFromDays(FloorDiv(ms, kMillisPerDay));
  char text[32];
  std::snprintf(text, sizeof(text), "%04lld-%02d-%02d", static_cast<long long>(date.year), date.month, date.day);
  return text;
}

// The whole percentage reached, rounded down (an alert at 80% never says 79%).
std::int64_t PercentFloor(std::int64_t total, std::int64_t quota) {
  return static_cast<std::int64_t>(static_cast<Int128>(total) * 100 / quota);
}

}  // namespace

std::vector<int> CrossedThresholds(std::int64_t total_tokens, std::int64_t monthly_quota,
                                   const std::vector<int>& thresholds) {
  std::vector<int> crossed;
  if (monthly_quota <= 0 || total_tokens <= 0) return crossed;
  for (int threshold : thresholds) {
    if (threshold > 0 && static_cast<Int128>(total_tokens) * 100 >= static_cast<Int128>(monthly_quota) * threshold) {
      crossed.push_back(threshold);
    }
  }
  return crossed;
}

std::string AlertPayload(const TenantOverview& tenant, int threshold) {
  const std::string text =
      "FlagMeter: tenant '" + tenant.tenant_name + "' has reached " + std::to_string(threshold) +
      "% of its monthly quota: " + std::to_string(tenant.total_tokens) + " of " +
      std::to_string(tenant.monthly_quota) + " tokens (" +
      std::to_string(PercentFloor(tenant.total_tokens, tenant.monthly_quota)) + "%) in the billing period " +
      DateText(tenant.period_start_ms) + " to " + DateText(tenant.period_end_ms) + " (UTC).";
  // Names are validated UTF-8, so dump() cannot throw; replace guards anyway.
  return nlohmann::json{{"text", text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WebhookSignature(const std::string& secret, std::int64_t unix_seconds, const std::string& delivery_id,
                             const std::string& body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + HmacSha256Hex(secret, t + "." + delivery_id + "." + body);
}

}  // namespace flagmeter
