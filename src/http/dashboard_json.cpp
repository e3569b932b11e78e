#include "http/dashboard_json.hpp"

#include <nlohmann/json.hpp>

#include "flagmeter/core/json_wide_numbers.hpp"
#include "flagmeter/core/rfc3339.hpp"
#include "flagmeter/core/token_sum.hpp"
#include "flagmeter/http/api_json.hpp"
#include "http/tenant_page_params.hpp"

namespace flagmeter {
namespace {

using Json = nlohmann::ordered_json;

// Sums of tokens may pass 2^64, which nlohmann cannot hold: they go into the
// document as decimal strings, and these members lose the quotes after dump().
std::string DumpWithWideNumbers(const Json& body) {
  return UnquoteNumbers(body.dump(),
                        {"tokens", "totalTokens", "quotaPercent", "lastHourTokens", "minuteTokens", "periodTokens"});
}

std::vector<std::string> TokenTexts(const std::vector<TokenSum>& sums) {
  std::vector<std::string> texts;
  texts.reserve(sums.size());
  for (const TokenSum sum : sums) texts.push_back(TokenSumText(sum));
  return texts;
}

Json PointsJson(const std::vector<SeriesPoint>& points) {
  Json list = Json::array();
  for (const SeriesPoint& point : points) {
    list.push_back({{"start", FormatRfc3339(point.start_ms)}, {"tokens", TokenSumText(point.tokens)}, {"events", point.events}});
  }
  return list;
}

Json FeaturesJson(const std::vector<FeatureUsage>& features) {
  Json list = Json::array();
  for (const FeatureUsage& feature : features) {
    list.push_back({{"feature", feature.feature}, {"tokens", TokenSumText(feature.tokens)}, {"events", feature.events}});
  }
  return list;
}

Json TenantCardJson(const DashboardTenant& tenant) {
  const TenantUsage& usage = tenant.usage;
  TokenSum last_hour = 0;
  for (const TokenSum tokens : tenant.minute_tokens) last_hour += tokens;
  return Json{
      {"tenant", usage.tenant_id},
      {"tenantName", usage.tenant_name},
      {"totalTokens", TokenSumText(usage.total_tokens)},
      {"monthlyQuota", usage.monthly_quota},
      {"quotaPercent", QuotaPercentText(usage.total_tokens, usage.monthly_quota)},
      {"billingDay", usage.billing_day},
      {"periodStart", FormatRfc3339(usage.period_start_ms)},
      {"periodEnd", FormatRfc3339(usage.period_end_ms)},
      {"features", FeaturesJson(usage.features)},
      {"lastHourTokens", TokenSumText(last_hour)},
      {"minuteTokens", TokenTexts(tenant.minute_tokens)},
  };
}

}  // namespace

std::string UsageWithSeriesJson(const TenantUsage& usage, const UsageSeries& series) {
  // The usage part is written with its sums exact; the series part follows
  // it in the same object.
  Json body;
  body["window"] = HistoryWindowName(series.range.window);
  body["from"] = FormatRfc3339(series.range.from_ms);
  body["to"] = FormatRfc3339(series.range.to_ms);
  if (!series.by_feature) {
    body["series"] = PointsJson(series.total);
  } else {
    Json grouped = Json::array();
    for (const FeatureSeries& feature : series.features) {
      grouped.push_back({{"feature", feature.feature}, {"points", PointsJson(feature.points)}});
    }
    body["series"] = std::move(grouped);
  }
  std::string usage_json = UsageJson(usage);
  usage_json.pop_back();  // its closing brace
  const std::string series_json = DumpWithWideNumbers(body);
  usage_json += ',';
  usage_json.append(series_json, 1, std::string::npos);  // without the opening brace
  return usage_json;
}

std::string DashboardJson(const DashboardSnapshot& snapshot) {
  TokenSum period_tokens = 0;
  std::vector<TokenSum> minute_tokens(static_cast<std::size_t>(snapshot.chart_minutes), 0);
  Json tenants = Json::array();
  for (const DashboardTenant& tenant : snapshot.tenants) {
    period_tokens += tenant.usage.total_tokens;
    for (std::size_t i = 0; i < minute_tokens.size() && i < tenant.minute_tokens.size(); ++i) {
      minute_tokens[i] += tenant.minute_tokens[i];
    }
    tenants.push_back(TenantCardJson(tenant));
  }
  const Json body = {
      {"generatedAt", FormatRfc3339(snapshot.read_at_ms)},
      {"refreshSeconds", kDashboardRefreshSeconds},
      {"chart", {{"window", "minute"}, {"from", FormatRfc3339(snapshot.chart_start_ms)}, {"minutes", snapshot.chart_minutes}}},
      {"totals", {{"tenants", snapshot.tenants.size()}, {"periodTokens", TokenSumText(period_tokens)}, {"minuteTokens", TokenTexts(minute_tokens)}}},
      {"tenants", std::move(tenants)},
      {"nextCursor", snapshot.next_after ? Json(TenantCursor(*snapshot.next_after)) : Json(nullptr)},
  };
  return DumpWithWideNumbers(body);
}

}  // namespace flagmeter
