#include "flagmeter/services/queueing_ingest_service.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <prometheus/counter.h>

#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/queue/event_codec.hpp"
#include "flagmeter/queue/event_sink.hpp"
#include "flagmeter/tenants/tenant_directory.hpp"

namespace flagmeter {

namespace {

// Each tenant of `events` once, in order of first use: a batch is usually of
// one tenant, and a copy of its name per event was most of its allocations.
std::vector<std::string> TenantsOf(const std::vector<Event>& events) {
  std::vector<std::string> names;
  for (const Event& event : events) {
    if (names.empty() || (names.back() != event.tenant &&
                          std::find(names.begin(), names.end(), event.tenant) == names.end())) {
      names.push_back(event.tenant);
    }
  }
  return names;
}

}  // namespace

bool QueueingIngestService::TenantsKnown(const std::vector<Event>& events) {
  return tenants_.AllKnown(TenantsOf(events));
}

void QueueingIngestService::AdmitTenants(const std::vector<Event>& events, Done done) {
  tenants_.Admit(TenantsOf(events), std::move(done));
}

void QueueingIngestService::Enqueue(const std::vector<Event>& events, Done done) {
  std::vector<std::string> encoded;
  encoded.reserve(events.size());
  for (const Event& event : events) encoded.push_back(EncodeEvent(event));
  const double accepted = static_cast<double>(events.size());
  sink_.Push(std::move(encoded), [this, accepted, done = std::move(done)](const Status& pushed) {
    if (pushed.ok()) metrics_.events_accepted.Increment(accepted);
    done(pushed);
  });
}

}  // namespace flagmeter
