#include "http/event_routes.hpp"

#include <gtest/gtest.h>

#include "http/route_harness.hpp"

namespace flagmeter {
namespace {

using boost::beast::http::verb;
using testing::BodyOf;
using testing::RouteHarness;

constexpr char kEvent[] = R"({"tenant":"acme","feature":"chat","tokens":5,"id":"e-1"})";

TEST(EventRoutes, AnEventOfAKnownTenantIsQueuedWithoutAdmission) {
  RouteHarness harness;
  const HttpResponse response = harness.Send(verb::post, "/api/events", kEvent);
  EXPECT_EQ(response.result_int(), 201u);
  EXPECT_EQ(BodyOf(response)["eventId"], "e-1");
  EXPECT_EQ(harness.ingest.admissions, 0);
  ASSERT_EQ(harness.ingest.enqueued.size(), 1u);
  EXPECT_EQ(harness.ingest.enqueued[0].tenant, "acme");
  EXPECT_EQ(harness.ingest.enqueued[0].tokens, 5);
  EXPECT_EQ(harness.route, "/api/events");
}

TEST(EventRoutes, ANewTenantIsAdmittedBeforeItsEventsAreQueued) {
  RouteHarness harness;
  harness.ingest.tenants_known = false;
  EXPECT_EQ(harness.Send(verb::post, "/api/events", kEvent).result_int(), 201u);
  EXPECT_EQ(harness.ingest.admissions, 1);
  EXPECT_EQ(harness.ingest.enqueued.size(), 1u);
}

TEST(EventRoutes, ATenantThatMayNotBeCreatedIs422AndNothingIsQueued) {
  RouteHarness harness;
  harness.ingest.tenants_known = false;
  harness.ingest.admission = Status::FailedPrecondition("Tenant 'acme' does not exist (AUTO_CREATE_TENANTS is off)");
  const HttpResponse response = harness.Send(verb::post, "/api/events", kEvent);
  EXPECT_EQ(response.result_int(), 422u);
  EXPECT_EQ(BodyOf(response)["error"], "Tenant 'acme' does not exist (AUTO_CREATE_TENANTS is off)");
  EXPECT_TRUE(harness.ingest.enqueued.empty());
}

TEST(EventRoutes, AnAdmissionThatFailsOrNeverComesIs503AndNothingIsQueuedEvenLater) {
  RouteHarness harness;
  harness.ingest.tenants_known = false;
  harness.ingest.admission = Status::Overloaded("TENANT_CREATION_QUEUE names wait");
  HttpResponse response = harness.Send(verb::post, "/api/events", kEvent);
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(response[boost::beast::http::field::retry_after], "1");

  harness.ingest.admission.reset();  // the creator never answers within the wait
  response = harness.Send(verb::post, "/api/events", kEvent);
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(BodyOf(response)["error"], "New tenants cannot be created right now; retry shortly");
  ASSERT_TRUE(harness.ingest.held_admission);
  harness.ingest.held_admission(Status::Ok());  // the answer comes after the client was told 503
  harness.io.restart();
  harness.io.poll();
  EXPECT_TRUE(harness.ingest.enqueued.empty());
}

TEST(EventRoutes, AQueueThatRefusesIs503WithItsReason) {
  RouteHarness harness;
  harness.ingest.push = Status::Overloaded("MAX_QUEUE_DEPTH events wait");
  HttpResponse response = harness.Send(verb::post, "/api/events", kEvent);
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(BodyOf(response)["error"], "Too many events are waiting to be stored; retry shortly");
  harness.ingest.push = Status::Unavailable("valkey: connection refused");
  response = harness.Send(verb::post, "/api/events", kEvent);
  EXPECT_EQ(BodyOf(response)["error"], "The event queue is unavailable; retry shortly");
}

TEST(EventRoutes, BadBodiesNeverReachTheService) {
  RouteHarness harness;
  EXPECT_EQ(harness.Send(verb::post, "/api/events", R"({"tenant":"acme"})").result_int(), 400u);
  const std::string four = std::string("[") + kEvent + "," + kEvent + "," + kEvent + "," + kEvent + "]";
  EXPECT_EQ(harness.Send(verb::post, "/api/events", four).result_int(), 400u);  // max_batch_events is 3
  HttpRequest xml(verb::post, "/api/events", 11);
  xml.set(boost::beast::http::field::content_type, "application/xml");
  xml.body() = kEvent;
  xml.prepare_payload();
  EXPECT_EQ(harness.Send(xml).result_int(), 415u);
  EXPECT_EQ(harness.ingest.admissions, 0);
  EXPECT_TRUE(harness.ingest.enqueued.empty());
}

TEST(EventRoutes, AnApiKeyWritesOnlyToItsOwnTenant) {
  RouteHarness harness;
  harness.services.access.require_api_keys = true;
  const std::string key = "fm_" + std::string(43, 'k');
  harness.keys.verdicts.emplace(key, KeyVerdict{KeyVerdict::Kind::kValid, "other"});
  EXPECT_EQ(harness.Send(verb::post, "/api/events", kEvent).result_int(), 401u);
  const HttpResponse response = harness.Send(verb::post, "/api/events", kEvent, key);
  EXPECT_EQ(response.result_int(), 403u);
  EXPECT_EQ(BodyOf(response)["error"], "The API key of tenant 'other' cannot access tenant 'acme'");
  harness.keys.verdicts.insert_or_assign(key, KeyVerdict{KeyVerdict::Kind::kValid, "acme"});
  EXPECT_EQ(harness.Send(verb::post, "/api/events", kEvent, key).result_int(), 201u);
  harness.keys.verdicts.insert_or_assign(key, Result<KeyVerdict>(Status::Unavailable("db down")));
  EXPECT_EQ(harness.Send(verb::post, "/api/events", kEvent, key).result_int(), 503u);
  EXPECT_EQ(harness.ingest.enqueued.size(), 1u);
}

}  // namespace
}  // namespace flagmeter
