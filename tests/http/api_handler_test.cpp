#include "http/api_handler.hpp"

#include <gtest/gtest.h>

#include "http/route_harness.hpp"

namespace flagmeter {
namespace {

using boost::beast::http::verb;
using testing::BodyOf;
using testing::RouteHarness;

TEST(ApiHandler, UnknownPathsAre404AndWrongMethods405WithAllow) {
  RouteHarness harness;
  HttpResponse response = harness.Send(verb::get, "/api/nothing");
  EXPECT_EQ(response.result_int(), 404u);
  EXPECT_EQ(harness.route, "other");
  response = harness.Send(verb::delete_, "/api/events");
  EXPECT_EQ(response.result_int(), 405u);
  EXPECT_EQ(response[boost::beast::http::field::allow], "POST");
}

TEST(ApiHandler, HealthFollowsTheMonitorsView) {
  RouteHarness harness;
  HttpResponse response = harness.Send(verb::get, "/api/health");
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(BodyOf(response)["status"], "healthy");
  harness.health.valkey_up = false;
  response = harness.Send(verb::get, "/api/health");
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(BodyOf(response)["services"]["valkey"], "down");
}

TEST(ApiHandler, MetricsAreThePrometheusText) {
  RouteHarness harness;
  const HttpResponse response = harness.Send(verb::get, "/metrics");
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_NE(response.body().find("flagmeter_events_accepted_total"), std::string::npos);
}

TEST(ApiHandler, AServiceThatThrowsIsAGeneric500) {
  RouteHarness harness;
  harness.services.health = []() -> HealthSnapshot { throw std::runtime_error("probe exploded"); };
  const HttpResponse response = harness.Send(verb::get, "/api/health");
  EXPECT_EQ(response.result_int(), 500u);
  EXPECT_EQ(BodyOf(response)["error"], "Internal server error");
}

}  // namespace
}  // namespace flagmeter
