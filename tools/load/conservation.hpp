#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace flagmeter::load {

/// Per tenant name: totalTokens, or tokens acknowledged with 201.
using TokenTotals = std::map<std::string, std::int64_t>;

/// One tenant's ledger: what it had, what it has, what the run was told
/// was queued.
struct TenantBalance {
  std::string tenant;
  std::int64_t before = 0;
  std::int64_t after = 0;
  std::int64_t acknowledged = 0;

  std::int64_t Increase() const { return after - before; }
  bool Exact() const { return Increase() == acknowledged; }
};

/// The verdict of the conservation check. A value type.
struct ConservationResult {
  bool checked = false;        // false: skipped (--no-conservation)
  bool queue_drained = false;  // /metrics showed depth and in-flight at 0
  bool timed_out = false;      // --drain-timeout passed before a verdict
  double wait_seconds = 0;     // from the end of the load to the verdict
  std::string error;           // why usage could not be read at the end, if so
  std::vector<TenantBalance> tenants;

  /// Checked, usage read, and every tenant exact.
  bool Passed() const;
};

/// Pairs before/after totals with acknowledged tokens for each of `tenants`
/// (a missing entry counts as 0).
std::vector<TenantBalance> Balance(const std::vector<std::string>& tenants, const TokenTotals& before,
                                   const TokenTotals& after, const TokenTotals& acknowledged);

bool AllExact(const std::vector<TenantBalance>& balances);

/// The value of an unlabelled series `name` in Prometheus text exposition,
/// or nullopt when absent or unparsable.
std::optional<double> ParseGauge(std::string_view metrics_text, std::string_view name);

/// The human-readable block printed after the summary.
std::string FormatConservation(const ConservationResult& result);

nlohmann::json ConservationJson(const ConservationResult& result);

}  // namespace flagmeter::load
