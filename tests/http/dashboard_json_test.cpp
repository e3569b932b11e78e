#include "http/dashboard_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flagmeter/core/rfc3339.hpp"

namespace flagmeter {
namespace {

TenantUsage Usage(const std::string& name, std::int64_t total, std::int64_t quota) {
  TenantUsage usage;
  usage.tenant_id = "id-" + name;
  usage.tenant_name = name;
  usage.total_tokens = total;
  usage.monthly_quota = quota;
  usage.billing_day = 3;
  usage.period_start_ms = *ParseRfc3339Ms("2026-11-03T00:00:00Z");
  usage.period_end_ms = *ParseRfc3339Ms("2026-12-03T00:00:00Z");
  if (total > 0) usage.features.push_back({"gpt-4o", total, 2});
  return usage;
}

TEST(DashboardJson, CardsAndTotals) {
  DashboardSnapshot snapshot;
  snapshot.read_at_ms = *ParseRfc3339Ms("2026-11-14T09:30:20.500Z");
  snapshot.chart_start_ms = *ParseRfc3339Ms("2026-11-14T08:31:00Z");
  snapshot.chart_minutes = 3;
  snapshot.tenants.push_back({Usage("acme", 850, 1000), {0, 50, 800}});
  snapshot.tenants.push_back({Usage("idle", 0, 0), {0, 0, 0}});
  const nlohmann::json body = nlohmann::json::parse(DashboardJson(snapshot));
  EXPECT_EQ(body["generatedAt"], "2026-11-14T09:30:20.500Z");
  EXPECT_EQ(body["refreshSeconds"], kDashboardRefreshSeconds);
  EXPECT_EQ(body["chart"]["from"], "2026-11-14T08:31:00Z");
  EXPECT_EQ(body["totals"]["tenants"], 2);
  EXPECT_EQ(body["totals"]["periodTokens"], 850);
  EXPECT_EQ(body["totals"]["minuteTokens"], nlohmann::json({0, 50, 800}));
  const nlohmann::json& acme = body["tenants"][0];
  EXPECT_EQ(acme["tenantName"], "acme");
  EXPECT_EQ(acme["quotaPercent"], 85);
  EXPECT_EQ(acme["billingDay"], 3);
  EXPECT_EQ(acme["periodStart"], "2026-11-03T00:00:00Z");
  EXPECT_EQ(acme["lastHourTokens"], 850);
  EXPECT_EQ(acme["features"][0]["events"], 2);
  EXPECT_EQ(body["tenants"][1]["quotaPercent"], 0);
  EXPECT_TRUE(body["tenants"][1]["features"].empty());
}

TEST(UsageWithSeriesJson, PlainAndGroupedSeries) {
  const HistoryRange range = *AlignHistoryRange(HistoryWindow::kMinute, 0, 120'000);
  const TenantUsage usage = Usage("acme", 5, 10);
  const nlohmann::json plain =
      nlohmann::json::parse(UsageWithSeriesJson(usage, FillSeries(range, false, std::nullopt, {{60'000, "", 5, 1}})));
  EXPECT_EQ(plain["totalTokens"], 5);
  EXPECT_EQ(plain["window"], "minute");
  EXPECT_EQ(plain["from"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(plain["to"], "1970-01-01T00:02:00Z");
  EXPECT_EQ(plain["series"][1], nlohmann::json({{"start", "1970-01-01T00:01:00Z"}, {"tokens", 5}, {"events", 1}}));
  const nlohmann::json grouped =
      nlohmann::json::parse(UsageWithSeriesJson(usage, FillSeries(range, true, std::nullopt, {{0, "a", 5, 1}})));
  EXPECT_EQ(grouped["series"][0]["feature"], "a");
  EXPECT_EQ(grouped["series"][0]["points"].size(), 2u);
}

}  // namespace
}  // namespace flagmeter
