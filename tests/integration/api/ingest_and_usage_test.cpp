// POST /api/events then GET /api/usage/:tenant against the real binary,
// PostgreSQL and Valkey.
#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "api_fixture.hpp"
#include "flagmeter/core/civil_time.hpp"
#include "flagmeter/core/clock.hpp"
#include "flagmeter/core/rfc3339.hpp"
#include "support/metric_sum.hpp"

namespace flagmeter::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

TEST_F(ApiTest, PostThenGetShowsTheExactSumWithinOneSecond) {
  HttpResult first = client_->PostJson("/api/events", R"({"tenant":"acme-corp","feature":"gpt-4o","tokens":1200})");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.Json()["success"], true);
  EXPECT_EQ(first.Json()["eventId"].get<std::string>().size(), 36u);
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme-corp","feature":"claude-3-opus","tokens":300})").status, 201);
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme-corp","feature":"gpt-4o","tokens":34})").status, 201);
  const auto acknowledged = std::chrono::steady_clock::now();

  HttpResult usage = WaitForTotal("acme-corp", 1534, milliseconds(1000));
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_LE(std::chrono::steady_clock::now() - acknowledged, milliseconds(1000)) << "API.md promises 1 s freshness";
  const json body = usage.Json();
  EXPECT_EQ(body["totalTokens"], 1534);
  EXPECT_EQ(body["tenantName"], "acme-corp");
  EXPECT_EQ(body["tenant"].get<std::string>().size(), 36u);
  EXPECT_EQ(body["monthlyQuota"], 1000000000);
  EXPECT_EQ(body["quotaPercent"], 0);
  ASSERT_EQ(body["features"].size(), 2u);
  EXPECT_EQ(body["features"][0], json({{"feature", "gpt-4o"}, {"tokens", 1234}, {"events", 2}}));
  EXPECT_EQ(body["features"][1], json({{"feature", "claude-3-opus"}, {"tokens", 300}, {"events", 1}}));
  const std::int64_t now = NowMs();
  const CivilDate today = CivilFromDays(FloorDiv(now, kMillisPerDay));
  EXPECT_EQ(body["periodStart"], FormatRfc3339(DaysFromCivil({today.year, today.month, 1}) * kMillisPerDay));
  const CivilDate next = today.month == 12 ? CivilDate{today.year + 1, 1, 1} : CivilDate{today.year, today.month + 1, 1};
  EXPECT_EQ(body["periodEnd"], FormatRfc3339(DaysFromCivil(next) * kMillisPerDay));
}

TEST_F(ApiTest, ABatchIsAcceptedWithItsIdsInOrder) {
  HttpResult answer = client_->PostJson("/api/events", R"([
      {"tenant":"globex","feature":"gpt-4o","tokens":10},
      {"tenant":"globex","feature":"gpt-4o","tokens":20,"id":"client-id-1"},
      {"tenant":"initech","feature":"claude-3-sonnet","tokens":5}])");
  ASSERT_EQ(answer.status, 201) << answer.body;
  const json body = answer.Json();
  EXPECT_EQ(body["success"], true);
  EXPECT_EQ(body["count"], 3);
  ASSERT_EQ(body["eventIds"].size(), 3u);
  EXPECT_EQ(body["eventIds"][1], "client-id-1");
  EXPECT_NE(body["eventIds"][0], body["eventIds"][2]);
  EXPECT_EQ(WaitForTotal("globex", 30, milliseconds(3000)).Json()["totalTokens"], 30);
  EXPECT_EQ(WaitForTotal("initech", 5, milliseconds(3000)).Json()["totalTokens"], 5);
}

TEST_F(ApiTest, AResentIdIsCountedOnceWithTheFirstValues) {
  const std::string event = R"({"tenant":"acme","feature":"gpt-4o","tokens":100,"id":"order-42"})";
  for (int i = 0; i < 5; ++i) {
    HttpResult answer = client_->PostJson("/api/events", event);
    ASSERT_EQ(answer.status, 201);
    EXPECT_EQ(answer.Json()["eventId"], "order-42");
  }
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme","feature":"gpt-4o","tokens":999,"id":"order-42"})").status, 201);
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme","feature":"gpt-4o","tokens":1,"id":"marker"})").status, 201);
  HttpResult usage = WaitForTotal("acme", 101, milliseconds(3000));
  EXPECT_EQ(usage.Json()["totalTokens"], 101) << usage.body;
  // Let any straggler land, then check nothing more was counted.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(client_->Get("/api/usage/acme").Json()["totalTokens"], 101);
}

// An id re-sent after its first copy was committed: the re-send's batch
// meets the stored id, runs again skipping stored ids, and shows in
// /metrics; the first values stay counted.
TEST_F(ApiTest, AnIdResentAfterItsCommitShowsAsOneInsertRerun) {
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme","feature":"gpt-4o","tokens":100,"id":"order-7"})").status,
            201);
  ASSERT_EQ(WaitForTotal("acme", 100, milliseconds(3000)).Json()["totalTokens"], 100);
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme","feature":"gpt-4o","tokens":999,"id":"order-7"})").status,
            201);
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);
  double duplicates = -1;
  double reruns = -1;
  do {
    std::this_thread::sleep_for(milliseconds(20));
    duplicates = MetricSum(process_->port(), "flagmeter_events_duplicate_total");
    reruns = MetricSum(process_->port(), "flagmeter_store_insert_reruns_total");
  } while ((duplicates != 1 || reruns != 1) && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(reruns, 1);
  EXPECT_EQ(client_->Get("/api/usage/acme").Json()["totalTokens"], 100);
}

TEST_F(ApiTest, AnEventDatedLastMonthIsNotInThisPeriod) {
  const std::int64_t forty_days_ago = NowMs() - 40 * kMillisPerDay;
  const std::string old_event = R"({"tenant":"acme","feature":"gpt-4o","tokens":500,"timestamp":")" +
                                FormatRfc3339(forty_days_ago) + R"("})";
  ASSERT_EQ(client_->PostJson("/api/events", old_event).status, 201);
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme","feature":"gpt-4o","tokens":7})").status, 201);
  HttpResult usage = WaitForTotal("acme", 7, milliseconds(3000));
  EXPECT_EQ(usage.Json()["totalTokens"], 7) << usage.body;
}

TEST_F(ApiTest, AnEventOlderThanTheIdempotencyWindowIsA400NamingTheWindow) {
  const std::int64_t too_old = NowMs() - 63 * kMillisPerDay;  // IDEMPOTENCY_WINDOW_DAYS: 62 by default
  const HttpResult answer = client_->PostJson(
      "/api/events", R"({"tenant":"acme","feature":"gpt-4o","tokens":500,"timestamp":")" + FormatRfc3339(too_old) +
                         R"("})");
  ASSERT_EQ(answer.status, 400) << answer.body;
  const nlohmann::json detail = answer.Json()["details"][0];
  EXPECT_EQ(detail["path"], "timestamp") << answer.body;
  EXPECT_NE(detail["message"].get<std::string>().find("IDEMPOTENCY_WINDOW_DAYS"), std::string::npos) << answer.body;
}

TEST_F(ApiTest, TenantNamesArePercentDecodedOnce) {
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"a/b+c %41","feature":"f","tokens":3})").status, 201);
  HttpResult usage = WaitForTotal("a%2Fb+c%20%2541", 3, milliseconds(3000));
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_EQ(usage.Json()["tenantName"], "a/b+c %41");
}

TEST_F(ApiTest, AnUnknownTenantIs404WithItsName) {
  HttpResult answer = client_->Get("/api/usage/nobody-here");
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.Json()["error"], "Tenant 'nobody-here' not found");
}

TEST_F(ApiTest, ABadTenantInThePathIs400) {
  HttpResult malformed = client_->Get("/api/usage/abc%zz");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.Json()["details"][0]["path"], "tenant");
  EXPECT_EQ(client_->Get("/api/usage/a%01b").status, 400);
  EXPECT_EQ(client_->Get("/api/usage/" + std::string(129, 'x')).status, 400);
}

}  // namespace
}  // namespace flagmeter::test

namespace flagmeter::test {
namespace {

// The original's k6 check reads usage right after a tenant's first POST;
// the tenant exists by then, even if its tokens are still on their way.
TEST_F(ApiTest, AUsageReadRightAfterATenantsFirstEventFindsTheTenant) {
  for (int i = 0; i < 20; ++i) {
    const std::string tenant = "fresh-" + std::to_string(i);
    ASSERT_EQ(client_->Get("/api/usage/" + tenant).status, 404);
    ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":")" + tenant + R"(","feature":"f","tokens":5})").status,
              201);
    const HttpResult usage = client_->Get("/api/usage/" + tenant);
    ASSERT_EQ(usage.status, 200) << tenant << ": " << usage.body;
    EXPECT_EQ(usage.Json()["tenantName"], tenant);
    EXPECT_TRUE(usage.Json().contains("quotaPercent"));
  }
}

}  // namespace
}  // namespace flagmeter::test
