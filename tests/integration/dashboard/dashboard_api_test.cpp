// GET /api/usage/:tenant with a series, GET /api/dashboard and the page's
// files, against the real binary, PostgreSQL and Valkey.
#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dashboard_fixture.hpp"
#include "flagmeter/core/clock.hpp"
#include "flagmeter/core/rfc3339.hpp"

namespace flagmeter::test {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;

std::string Event(const std::string& tenant, const std::string& feature, int tokens, std::int64_t at_ms) {
  return nlohmann::json{{"tenant", tenant}, {"feature", feature}, {"tokens", tokens}, {"timestamp", FormatRfc3339(at_ms)}}
      .dump();
}

class UsageSeriesTest : public DashboardTest {
 protected:
  void SetUp() override {
    DashboardTest::SetUp();
    if (HasFatalFailure()) return;
    // Three minutes ago .. one minute ago, whole minutes, so the range is exact.
    base_ms_ = (NowMs() / kMinuteMs - 10) * kMinuteMs;
    const std::string batch = "[" + Event("acme", "gpt-4o", 100, base_ms_ + 1'000) + "," +
                              Event("acme", "gpt-4o", 50, base_ms_ + 59'000) + "," +
                              Event("acme", "embeddings", 7, base_ms_ + 2 * kMinuteMs + 5'000) + "]";
    ASSERT_EQ(client_->PostJson("/api/events", batch).status, 201);
    ASSERT_TRUE(WaitForTotal("acme", 157));
  }

  std::string Range(int from_minute, int to_minute) const {
    return "from=" + FormatRfc3339(base_ms_ + from_minute * kMinuteMs) +
           "&to=" + FormatRfc3339(base_ms_ + to_minute * kMinuteMs);
  }

  std::int64_t base_ms_ = 0;
};

TEST_F(UsageSeriesTest, MinuteSeriesHasEveryWindowWithZeros) {
  const HttpResult answer = client_->Get("/api/usage/acme?window=minute&" + Range(-1, 4));
  ASSERT_EQ(answer.status, 200) << answer.body;
  const nlohmann::json body = answer.Json();
  EXPECT_EQ(body["totalTokens"], 157);  // the usage answer is all there
  EXPECT_EQ(body["window"], "minute");
  EXPECT_EQ(body["from"], FormatRfc3339(base_ms_ - kMinuteMs));
  const nlohmann::json& series = body["series"];
  ASSERT_EQ(series.size(), 5u);
  const std::int64_t tokens[] = {0, 150, 0, 7, 0};
  const std::int64_t events[] = {0, 2, 0, 1, 0};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(series[i]["start"], FormatRfc3339(base_ms_ + (static_cast<std::int64_t>(i) - 1) * kMinuteMs));
    EXPECT_EQ(series[i]["tokens"], tokens[i]) << i;
    EXPECT_EQ(series[i]["events"], events[i]) << i;
  }
}

TEST_F(UsageSeriesTest, GroupsByFeatureAndFilters) {
  const nlohmann::json grouped = client_->Get("/api/usage/acme?window=minute&groupBy=feature&" + Range(0, 3)).Json();
  ASSERT_EQ(grouped["series"].size(), 2u) << grouped.dump();
  EXPECT_EQ(grouped["series"][0]["feature"], "embeddings");
  EXPECT_EQ(grouped["series"][0]["points"][2]["tokens"], 7);
  EXPECT_EQ(grouped["series"][1]["feature"], "gpt-4o");
  EXPECT_EQ(grouped["series"][1]["points"][0]["tokens"], 150);
  EXPECT_EQ(grouped["series"][1]["points"].size(), 3u);

  const nlohmann::json only = client_->Get("/api/usage/acme?window=minute&feature=embeddings&" + Range(0, 3)).Json();
  ASSERT_EQ(only["series"].size(), 3u) << only.dump();
  EXPECT_EQ(only["series"][0]["tokens"], 0);
  EXPECT_EQ(only["series"][2]["tokens"], 7);
}

TEST_F(UsageSeriesTest, HourAndDayWindowsSumTheRollups) {
  const nlohmann::json hours = client_->Get("/api/usage/acme?window=hour&" + Range(-120, 120)).Json();
  std::int64_t hour_total = 0;
  for (const auto& point : hours["series"]) hour_total += point["tokens"].get<std::int64_t>();
  EXPECT_EQ(hour_total, 157) << hours.dump();
  EXPECT_GE(hours["series"].size(), 4u);

  const nlohmann::json days = client_->Get("/api/usage/acme?window=day&" + Range(-3 * 1440, 1440)).Json();
  std::int64_t day_total = 0;
  for (const auto& point : days["series"]) day_total += point["tokens"].get<std::int64_t>();
  EXPECT_EQ(day_total, 157) << days.dump();
  EXPECT_EQ(days["series"][0]["start"].get<std::string>().substr(10), "T00:00:00Z");
}

TEST_F(UsageSeriesTest, BadOrTooLargeRangesAre400WithDetails) {
  struct Case {
    std::string query;
    std::string path;
  };
  const Case cases[] = {
      {"window=week", "window"},
      {"from=2026-01-01", "window"},
      {"window=minute&from=yesterday", "from"},
      {"window=minute&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to"},
      {"window=minute&from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z", "from"},  // 2,880 points
      {"window=hour&groupBy=tenant", "groupBy"},
      {"window=hour&window=day", "window"},
  };
  for (const Case& c : cases) {
    const HttpResult answer = client_->Get("/api/usage/acme?" + c.query);
    EXPECT_EQ(answer.status, 400) << c.query << ": " << answer.body;
    const nlohmann::json body = answer.Json();
    EXPECT_EQ(body.value("error", ""), "Invalid request body") << c.query;
    ASSERT_TRUE(body.contains("details")) << c.query;
    EXPECT_EQ(body["details"][0]["path"], c.path) << c.query << ": " << answer.body;
  }
  // 1,500 windows is the most an answer holds.
  EXPECT_EQ(client_->Get("/api/usage/acme?window=minute&" + Range(0, 1500)).status, 200);
  EXPECT_EQ(client_->Get("/api/usage/acme?window=minute&" + Range(0, 1501)).status, 400);
  EXPECT_EQ(client_->Get("/api/usage/nobody?window=minute").status, 404);
}

TEST_F(DashboardTest, DashboardHasEveryTenantInOneAnswer) {
  ASSERT_EQ(client_->Request("PUT", "/api/tenants/globex", R"({"monthlyQuota": 1000, "billingDay": 15})",
                             {{"Content-Type", "application/json"},
                              {"Authorization", std::string("Bearer ") + kDashboardAdminToken}})
                .status,
            201);
  ASSERT_EQ(client_->PostJson("/api/events", R"([{"tenant":"globex","feature":"gpt-4o","tokens":850},
      {"tenant":"globex","feature":"rerank","tokens":10},{"tenant":"acme","feature":"gpt-4o","tokens":5}])")
                .status,
            201);
  ASSERT_TRUE(WaitForTotal("globex", 860));
  ASSERT_TRUE(WaitForTotal("acme", 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the shared snapshot's second
  const HttpResult answer = client_->Get("/api/dashboard");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Header("cache-control"), "no-store");
  const nlohmann::json body = answer.Json();
  EXPECT_EQ(body["refreshSeconds"], 5);
  EXPECT_EQ(body["chart"]["minutes"], 60);
  EXPECT_EQ(body["totals"]["tenants"], 2);
  EXPECT_EQ(body["totals"]["periodTokens"], 865);
  // Summed, not the last point: the read may fall in the minute after the events'.
  std::int64_t chart_tokens = 0;
  for (const nlohmann::json& point : body["totals"]["minuteTokens"]) chart_tokens += point.get<std::int64_t>();
  EXPECT_EQ(chart_tokens, 865);
  ASSERT_EQ(body["tenants"].size(), 2u);
  const nlohmann::json& globex = body["tenants"][1];
  EXPECT_EQ(globex["tenantName"], "globex");
  EXPECT_EQ(globex["monthlyQuota"], 1000);
  EXPECT_EQ(globex["quotaPercent"], 86);
  EXPECT_EQ(globex["billingDay"], 15);
  EXPECT_EQ(globex["periodStart"].get<std::string>().substr(8), "15T00:00:00Z");
  EXPECT_EQ(globex["features"][0]["feature"], "gpt-4o");
  EXPECT_EQ(globex["features"][1]["tokens"], 10);
  EXPECT_EQ(globex["lastHourTokens"], 860);
  EXPECT_EQ(globex["minuteTokens"].size(), 60u);
}

TEST_F(DashboardTest, PageAndAssetsComeFromTheBinary) {
  const HttpResult page = client_->Get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  EXPECT_NE(page.body.find("/assets/app.js"), std::string::npos);
  for (const char* asset : {"/assets/app.js", "/assets/chart.js", "/assets/cards.js", "/assets/format.js",
                            "/assets/app.css", "/assets/favicon.svg"}) {
    const HttpResult file = client_->Get(asset);
    EXPECT_EQ(file.status, 200) << asset;
    EXPECT_FALSE(file.body.empty()) << asset;
    EXPECT_EQ(file.body.find("http://"), file.body.find("http://www.w3.org/2000/svg")) << asset << " links elsewhere";
  }
  EXPECT_EQ(client_->Get("/assets/app.js").Header("content-type"), "text/javascript; charset=utf-8");
  const std::string etag = client_->Get("/assets/app.css").Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(client_->Request("GET", "/assets/app.css", "", {{"If-None-Match", etag}}).status, 304);
  EXPECT_EQ(client_->Get("/assets/missing.js").status, 404);
  EXPECT_EQ(client_->Request("POST", "/", "{}").status, 405);
}

class LockedDashboardTest : public DashboardTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    std::map<std::string, std::string> env = DashboardTest::ExtraEnv();
    env["REQUIRE_API_KEYS"] = "true";
    return env;
  }
};

TEST_F(LockedDashboardTest, DataNeedsTheAdminTokenWhenKeysAreRequired) {
  EXPECT_EQ(client_->Get("/").status, 200);  // the page itself holds no data
  EXPECT_EQ(client_->Get("/api/dashboard").status, 401);
  EXPECT_EQ(client_->Request("GET", "/api/dashboard", "", {{"Authorization", "Bearer not-the-token"}}).status, 401);
  EXPECT_EQ(client_->Request("GET", "/api/dashboard", "",
                             {{"Authorization", std::string("Bearer ") + kDashboardAdminToken}})
                .status,
            200);
}

}  // namespace
}  // namespace flagmeter::test
