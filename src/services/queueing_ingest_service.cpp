#include "flagmeter/services/queueing_ingest_service.hpp"

#include <string>
#include <utility>

#include <prometheus/counter.h>

#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/queue/event_codec.hpp"
#include "flagmeter/queue/event_sink.hpp"
#include "flagmeter/tenants/tenant_directory.hpp"

namespace flagmeter {

namespace {

std::vector<std::string> TenantsOf(const std::vector<Event>& events) {
  std::vector<std::string> names;
  names.reserve(events.size());
  for (const Event& event : events) names.push_back(event.tenant);
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
