#include "http/dashboard_handler.hpp"

#include <gtest/gtest.h>

#include "http/route_harness.hpp"

namespace flagmeter {
namespace {

using boost::beast::http::verb;
using testing::BodyOf;
using testing::RouteHarness;

TEST(DashboardRoutes, TheDataIsOnePageOfTheServicesSnapshot) {
  RouteHarness harness;
  DashboardSnapshot snapshot;
  snapshot.chart_minutes = 60;
  snapshot.next_after = "beta";
  harness.queries.dashboard = snapshot;
  // The cursor is the base64url of the last name of the previous page ("alpha").
  const HttpResponse response = harness.Send(verb::get, "/api/dashboard?limit=2&cursor=YWxwaGE");
  ASSERT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(response[boost::beast::http::field::cache_control], "no-store");
  ASSERT_EQ(harness.queries.dashboard_reads.size(), 1u);
  EXPECT_EQ(harness.queries.dashboard_reads[0].limit, 2);
  EXPECT_EQ(harness.queries.dashboard_reads[0].after, "alpha");
  harness.queries.dashboard = Status::Unavailable("pg down");
  EXPECT_EQ(harness.Send(verb::get, "/api/dashboard").result_int(), 503u);
}

TEST(DashboardRoutes, WithApiKeysRequiredTheDataNeedsTheAdminTokenButThePageDoesNot) {
  RouteHarness harness;
  harness.services.access.require_api_keys = true;
  EXPECT_EQ(harness.Send(verb::get, "/api/dashboard").result_int(), 401u);
  EXPECT_TRUE(harness.queries.dashboard_reads.empty());
  EXPECT_EQ(harness.Admin(verb::get, "/api/dashboard").result_int(), 200u);
  EXPECT_EQ(harness.Send(verb::get, "/").result_int(), 200u);
  EXPECT_EQ(harness.Send(verb::get, "/assets/no-such-file.js").result_int(), 404u);
}

}  // namespace
}  // namespace flagmeter
