#include "http/admin_json.hpp"

#include <nlohmann/json.hpp>

#include "flagmeter/core/json_wide_numbers.hpp"
#include "flagmeter/core/rfc3339.hpp"
#include "flagmeter/core/token_sum.hpp"
#include "flagmeter/http/api_json.hpp"
#include "http/tenant_page_params.hpp"

namespace flagmeter {
namespace {

using nlohmann::ordered_json;

ordered_json TenantObject(const TenantOverview& tenant) {
  return ordered_json{
      {"tenant", tenant.tenant_id},
      {"tenantName", tenant.tenant_name},
      {"monthlyQuota", tenant.monthly_quota},
      {"billingDay", tenant.billing_day},
      {"webhookUrl", tenant.webhook_url ? ordered_json(*tenant.webhook_url) : ordered_json(nullptr)},
      {"alertThresholds", tenant.alert_thresholds},
      {"totalTokens", TokenSumText(tenant.total_tokens)},  // unquoted by Dump
      {"quotaPercent", QuotaPercentText(tenant.total_tokens, tenant.monthly_quota)},
      {"periodStart", FormatRfc3339(tenant.period_start_ms)},
      {"periodEnd", FormatRfc3339(tenant.period_end_ms)},
      {"createdAt", FormatRfc3339(tenant.created_at_ms)},
      {"updatedAt", FormatRfc3339(tenant.updated_at_ms)},
  };
}

// Names are stored only after validation as UTF-8; replace guards anyway.
// Token sums may pass 2^64, which nlohmann cannot hold: they are put in as
// decimal strings and lose their quotes here.
std::string Dump(const ordered_json& body) {
  return UnquoteNumbers(body.dump(-1, ' ', false, ordered_json::error_handler_t::replace),
                        {"totalTokens", "quotaPercent"});
}

}  // namespace

std::string TenantListJson(const TenantOverviewPage& page) {
  ordered_json list = ordered_json::array();
  for (const TenantOverview& tenant : page.tenants) list.push_back(TenantObject(tenant));
  return Dump(ordered_json{
      {"tenants", std::move(list)},
      {"count", page.tenants.size()},
      {"nextCursor", page.next_after ? ordered_json(TenantCursor(*page.next_after)) : ordered_json(nullptr)}});
}

std::string TenantDetailsJson(const TenantDetails& details) {
  ordered_json body = TenantObject(details.overview);
  ordered_json keys = ordered_json::array();
  for (const ApiKeyInfo& key : details.keys) {
    keys.push_back({{"keyId", key.key_id},
                    {"hint", "..." + key.hint},
                    {"createdAt", FormatRfc3339(key.created_at_ms)},
                    {"revokedAt", key.revoked_at_ms ? ordered_json(FormatRfc3339(*key.revoked_at_ms))
                                                    : ordered_json(nullptr)}});
  }
  body["apiKeys"] = std::move(keys);
  return Dump(body);
}

std::string CreatedKeyJson(const std::string& tenant, const NewApiKey& key, const ApiKeyInfo& stored) {
  return Dump(ordered_json{{"keyId", key.key_id},
                           {"tenantName", tenant},
                           {"key", key.key},
                           {"hint", "..." + key.hint},
                           {"createdAt", FormatRfc3339(stored.created_at_ms)},
                           {"note", "Store this key now: it is not shown again."}});
}

std::string RevokedKeyJson(const std::string& tenant, const std::string& key_id) {
  return Dump(ordered_json{{"keyId", key_id}, {"tenantName", tenant}, {"revoked", true}});
}

}  // namespace flagmeter
