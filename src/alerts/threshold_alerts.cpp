#include "flagmeter/alerts/threshold_alerts.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "flagmeter/core/civil_time.hpp"
#include "flagmeter/core/token_sum.hpp"
#include "flagmeter/tenants/crypto.hpp"

namespace flagmeter {
namespace {

// "2026-11-01": periods start at UTC midnight.
std::string DateText(std::int64_t ms) {
  const CivilDate date = CivilFromDays(FloorDiv(ms, kMillisPerDay));
  char text[32];
  std::snprintf(text, sizeof(text), "%04lld-%02d-%02d", static_cast<long long>(date.year), date.month, date.day);
  return text;
}

}  // namespace

std::vector<int> CrossedThresholds(TokenSum total_tokens, std::int64_t monthly_quota,
                                   const std::vector<int>& thresholds) {
  std::vector<int> crossed;
  if (monthly_quota <= 0 || total_tokens <= 0) return crossed;
  for (int threshold : thresholds) {
    // total * 100 >= quota * threshold, without forming total * 100 (a total
    // near 2^127 would overflow): total >= ceil(quota * threshold / 100).
    if (threshold > 0 && total_tokens >= (static_cast<TokenSum>(monthly_quota) * threshold + 99) / 100) {
      crossed.push_back(threshold);
    }
  }
  return crossed;
}

std::string AlertPayload(const TenantOverview& tenant, int threshold) {
  const std::string text =
      "FlagMeter: tenant '" + tenant.tenant_name + "' has reached " + std::to_string(threshold) +
      "% of its monthly quota: " + TokenSumText(tenant.total_tokens) + " of " +
      std::to_string(tenant.monthly_quota) + " tokens (" +
      PercentFloorText(tenant.total_tokens, tenant.monthly_quota) + "%) in the billing period " +
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
