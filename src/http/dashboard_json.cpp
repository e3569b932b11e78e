#include "http/dashboard_json.hpp"

#include <nlohmann/json.hpp>

#include "flagmeter/core/rfc3339.hpp"
#include "flagmeter/http/api_json.hpp"

namespace flagmeter {
namespace {

using Json = nlohmann::ordered_json;

Json PointsJson(const std::vector<SeriesPoint>& points) {
  Json list = Json::array();
  for (const SeriesPoint& point : points) {
    list.push_back({{"start", FormatRfc3339(point.start_ms)}, {"tokens", point.tokens}, {"events", point.events}});
  }
  return list;
}

Json FeaturesJson(const std::vector<FeatureUsage>& features) {
  Json list = Json::array();
  for (const FeatureUsage& feature : features) {
    list.push_back({{"feature", feature.feature}, {"tokens", feature.tokens}, {"events", feature.events}});
  }
  return list;
}

Json TenantCardJson(const DashboardTenant& tenant) {
  const TenantUsage& usage = tenant.usage;
  std::int64_t last_hour = 0;
  for (std::int64_t tokens : tenant.minute_tokens) last_hour += tokens;
  return Json{
      {"tenant", usage.tenant_id},
      {"tenantName", usage.tenant_name},
      {"totalTokens", usage.total_tokens},
      {"monthlyQuota", usage.monthly_quota},
      {"quotaPercent", QuotaPercent(usage.total_tokens, usage.monthly_quota)},
      {"billingDay", usage.billing_day},
      {"periodStart", FormatRfc3339(usage.period_start_ms)},
      {"periodEnd", FormatRfc3339(usage.period_end_ms)},
      {"features", FeaturesJson(usage.features)},
      {"lastHourTokens", last_hour},
      {"minuteTokens", tenant.minute_tokens},
  };
}

}  // namespace

std::string UsageWithSeriesJson(const TenantUsage& usage, const UsageSeries& series) {
  Json body = Json::parse(UsageJson(usage));
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
  return body.dump();
}

std::string DashboardJson(const DashboardSnapshot& snapshot) {
  std::int64_t period_tokens = 0;
  std::vector<std::int64_t> minute_tokens(static_cast<std::size_t>(snapshot.chart_minutes), 0);
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
      {"totals", {{"tenants", snapshot.tenants.size()}, {"periodTokens", period_tokens}, {"minuteTokens", minute_tokens}}},
      {"tenants", std::move(tenants)},
  };
  return body.dump();
}

}  // namespace flagmeter
