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

// Sums past 2^64 (1,200 and 2,400 events of 2^53 - 1 tokens) are written as
// their exact digits; nlohmann would have held them only as doubles.
TEST(DashboardJson, SumsBeyond64BitsAreExactIntegers) {
  const TokenSum flood = static_cast<TokenSum>(9'007'199'254'740'991) * 1200;  // 10808639105689189200
  DashboardSnapshot snapshot;
  snapshot.chart_minutes = 2;
  TenantUsage usage = Usage("flood", 0, 1'000'000'000);
  usage.total_tokens = flood * 2;
  usage.features.push_back({"gpt-4o", flood * 2, 2400});
  snapshot.tenants.push_back({usage, {flood, flood}});
  snapshot.tenants.push_back({Usage("acme", 5, 10), {0, 5}});
  const std::string text = DashboardJson(snapshot);
  EXPECT_NE(text.find(R"("totalTokens":21617278211378378400,"monthlyQuota":1000000000,"quotaPercent":2161727821138,)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"({"feature":"gpt-4o","tokens":21617278211378378400,"events":2400})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("lastHourTokens":21617278211378378400,"minuteTokens":[10808639105689189200,10808639105689189200])"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"("periodTokens":21617278211378378405,"minuteTokens":[10808639105689189200,10808639105689189205])"),
            std::string::npos) << text;
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(UsageWithSeriesJson, SumsBeyond64BitsAreExactIntegers) {
  const TokenSum flood = static_cast<TokenSum>(9'007'199'254'740'991) * 2400;
  const HistoryRange range = *AlignHistoryRange(HistoryWindow::kDay, 0, 2 * 86'400'000);
  TenantUsage usage = Usage("flood", 0, 10);
  usage.total_tokens = flood;
  const std::string text =
      UsageWithSeriesJson(usage, FillSeries(range, false, std::nullopt, {{0, "", flood / 2, 1200}, {86'400'000, "", flood / 2, 1200}}));
  EXPECT_NE(text.find(R"("totalTokens":21617278211378378400,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("quotaPercent":216172782113783784000,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"({"start":"1970-01-02T00:00:00Z","tokens":10808639105689189200,"events":1200})"), std::string::npos)
      << text;
  EXPECT_TRUE(nlohmann::json::accept(text));
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

TEST(DashboardJson, NextCursorOnlyWhenMoreTenantsFollow) {
  DashboardSnapshot snapshot;
  snapshot.chart_minutes = 1;
  snapshot.tenants.push_back({Usage("acme", 1, 10), {1}});
  EXPECT_TRUE(nlohmann::json::parse(DashboardJson(snapshot))["nextCursor"].is_null());
  snapshot.next_after = "acme";
  EXPECT_EQ(nlohmann::json::parse(DashboardJson(snapshot))["nextCursor"], "YWNtZQ");  // opaque: base64url of the name
}

}  // namespace
}  // namespace flagmeter
