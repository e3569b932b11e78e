#include "http/usage_routes.hpp"

#include <gtest/gtest.h>

#include "flagmeter/query/history_series.hpp"
#include "http/route_harness.hpp"

namespace flagmeter {
namespace {

using boost::beast::http::verb;
using testing::BodyOf;
using testing::RouteHarness;

TenantUsage AcmeUsage() {
  TenantUsage usage;
  usage.tenant_id = "00000000-0000-4000-8000-000000000001";
  usage.tenant_name = "acme";
  usage.monthly_quota = 1000;
  usage.total_tokens = 250;
  usage.period_start_ms = 1'764'547'200'000;  // 2025-12-01T00:00:00Z
  usage.period_end_ms = 1'767'225'600'000;    // 2026-01-01T00:00:00Z
  usage.features = {{"chat", 250, 3}};
  return usage;
}

TEST(UsageRoutes, AnswersTheServicesUsageForTheDecodedTenant) {
  RouteHarness harness;
  harness.queries.usage = AcmeUsage();
  const HttpResponse response = harness.Send(verb::get, "/api/usage/ac%6De");
  ASSERT_EQ(response.result_int(), 200u);
  EXPECT_EQ(harness.queries.usage_reads, (std::vector<std::string>{"acme"}));
  const auto body = BodyOf(response);
  EXPECT_EQ(body["tenantName"], "acme");
  EXPECT_EQ(body["totalTokens"], 250);
  EXPECT_EQ(body["features"][0]["feature"], "chat");
  EXPECT_EQ(harness.route, "/api/usage/:tenant");
}

TEST(UsageRoutes, ServiceFailuresMapToTheirAnswers) {
  RouteHarness harness;
  harness.queries.usage = Status::NotFound("Tenant 'acme' not found");
  HttpResponse response = harness.Send(verb::get, "/api/usage/acme");
  EXPECT_EQ(response.result_int(), 404u);
  EXPECT_EQ(BodyOf(response)["error"], "Tenant 'acme' not found");
  harness.queries.usage = Status::Overloaded("USAGE_READ_QUEUE reads wait");
  response = harness.Send(verb::get, "/api/usage/acme");
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(BodyOf(response)["error"], "Usage cannot be read right now; retry shortly");
  harness.queries.usage = Status::Internal("unexpected row");
  EXPECT_EQ(harness.Send(verb::get, "/api/usage/acme").result_int(), 500u);
}

TEST(UsageRoutes, BadNamesAndQueriesNeverReachTheService) {
  RouteHarness harness;
  EXPECT_EQ(harness.Send(verb::get, "/api/usage/ac%zze").result_int(), 400u);
  EXPECT_EQ(harness.Send(verb::get, "/api/usage/" + std::string(300, 'a')).result_int(), 400u);
  EXPECT_EQ(harness.Send(verb::get, "/api/usage/acme?window=fortnight").result_int(), 400u);
  EXPECT_TRUE(harness.queries.usage_reads.empty());
}

TEST(UsageRoutes, ASeriesIsReadForTheTenantsIdAndFilled) {
  RouteHarness harness;
  harness.queries.usage = AcmeUsage();
  harness.queries.history = std::vector<HistoryBucket>{{1'764'554'400'000, "", 40, 2}};  // 02:00
  const HttpResponse response =
      harness.Send(verb::get, "/api/usage/acme?window=hour&from=2025-12-01T00:00:00Z&to=2025-12-01T04:00:00Z");
  ASSERT_EQ(response.result_int(), 200u) << response.body();
  ASSERT_EQ(harness.queries.history_reads.size(), 1u);
  const HistoryQuery& query = harness.queries.history_reads[0];
  EXPECT_EQ(query.tenant_id, AcmeUsage().tenant_id);
  EXPECT_EQ(query.window, HistoryWindow::kHour);
  EXPECT_EQ(query.max_buckets, static_cast<std::int64_t>(kMaxHistoryPoints) + 1);
  const auto series = BodyOf(response)["series"];
  ASSERT_EQ(series.size(), 4u);
  EXPECT_EQ(series[2]["tokens"], 40);
  EXPECT_EQ(series[1]["tokens"], 0);
}

TEST(UsageRoutes, TooManyPointsBy_featureIs400AndAFailedSeriesIs503) {
  RouteHarness harness;
  harness.queries.usage = AcmeUsage();
  std::vector<HistoryBucket> buckets;
  for (int i = 0; i <= static_cast<int>(kMaxHistoryPoints); ++i) {
    buckets.push_back({1'764'547'200'000, "f" + std::to_string(i), 1, 1});
  }
  harness.queries.history = buckets;
  const std::string target = "/api/usage/acme?window=hour&groupBy=feature&from=2025-12-01T00:00:00Z&to=2025-12-01T02:00:00Z";
  HttpResponse response = harness.Send(verb::get, target);
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_NE(response.body().find("more than the 1500 an answer may hold"), std::string::npos) << response.body();
  harness.queries.history = Status::Unavailable("pg down");
  response = harness.Send(verb::get, target);
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(BodyOf(response)["error"], "Usage history cannot be read right now; retry shortly");
}

}  // namespace
}  // namespace flagmeter
