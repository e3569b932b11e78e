#include "flagmeter/services/queueing_ingest_service.hpp"

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "fakes/fake_event_sink.hpp"
#include "fakes/fake_tenant_store.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/tenants/tenant_creator.hpp"
#include "flagmeter/tenants/tenant_directory.hpp"

namespace flagmeter {
namespace {

Status Wait(const std::function<void(IngestService::Done)>& start) {
  auto promise = std::make_shared<std::promise<Status>>();
  start([promise](const Status& status) { promise->set_value(status); });
  return promise->get_future().get();
}

std::vector<Event> EventsOf(std::initializer_list<const char*> tenants) {
  std::vector<Event> events;
  for (const char* tenant : tenants) events.push_back(Event{.tenant = tenant, .feature = "chat", .tokens = 2});
  return events;
}

struct Ingest {
  explicit Ingest(std::int64_t max_tenants = 2) : creator{{.max_tenants = max_tenants}, [this] { return store.NewStore(); }} {
    creator.Start();
  }
  fakes::FakeTenantStore store;
  TenantCreator creator;
  TenantDirectory directory{100, &creator};
  fakes::FakeEventSink sink{3};
  Metrics metrics;
  QueueingIngestService service{directory, sink, metrics};
};

TEST(QueueingIngestService, AdmitsNewTenantsThroughTheDirectoryThenKnowsThem) {
  Ingest ingest;
  const std::vector<Event> events = EventsOf({"acme", "globex", "acme"});
  EXPECT_FALSE(ingest.service.TenantsKnown(events));
  EXPECT_TRUE(Wait([&](auto done) { ingest.service.AdmitTenants(events, done); }).ok());
  EXPECT_EQ(ingest.store.TenantCount(), 2u);
  EXPECT_TRUE(ingest.service.TenantsKnown(events));
  // A third tenant is past MAX_TENANTS (2): refused, nothing created.
  const Status refused = Wait([&](auto done) { ingest.service.AdmitTenants(EventsOf({"initech"}), done); });
  EXPECT_EQ(refused.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(ingest.store.TenantCount(), 2u);
}

TEST(QueueingIngestService, AnUnknownTenantAfterRepeatsOfAKnownOneIsNotKnown) {
  Ingest ingest;
  EXPECT_TRUE(Wait([&](auto done) { ingest.service.AdmitTenants(EventsOf({"acme"}), done); }).ok());
  EXPECT_TRUE(ingest.service.TenantsKnown(EventsOf({"acme", "acme", "acme"})));
  EXPECT_FALSE(ingest.service.TenantsKnown(EventsOf({"acme", "acme", "globex", "acme"})));
}

// Past a few names the batch's tenants are kept in a set: every one of many
// is still asked about, once, whatever their order.
TEST(QueueingIngestService, ABatchOfManyTenantsAsksAboutEachOnce) {
  Ingest ingest(/*max_tenants=*/100);
  std::vector<Event> events;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 20; ++i) events.push_back(Event{.tenant = "t" + std::to_string(i), .feature = "chat", .tokens = 2});
  }
  EXPECT_FALSE(ingest.service.TenantsKnown(events));
  EXPECT_TRUE(Wait([&](auto done) { ingest.service.AdmitTenants(events, done); }).ok());
  EXPECT_EQ(ingest.store.TenantCount(), 20u);
  EXPECT_TRUE(ingest.service.TenantsKnown(events));
  events.push_back(Event{.tenant = "stranger", .feature = "chat", .tokens = 2});
  events.push_back(events.front());
  EXPECT_FALSE(ingest.service.TenantsKnown(events));
}

TEST(QueueingIngestService, CountsOnlyTheEventsTheQueueTook) {
  Ingest ingest;
  EXPECT_TRUE(Wait([&](auto done) { ingest.service.Enqueue(EventsOf({"acme", "acme"}), done); }).ok());
  EXPECT_EQ(ingest.sink.accepted(), 2u);
  EXPECT_EQ(ingest.metrics.events_accepted.Value(), 2.0);
  const Status full = Wait([&](auto done) { ingest.service.Enqueue(EventsOf({"a", "a", "a", "a"}), done); });
  EXPECT_EQ(full.code(), Status::Code::kOverloaded);
  EXPECT_EQ(ingest.metrics.events_accepted.Value(), 2.0);
}

}  // namespace
}  // namespace flagmeter
