#include "flagmeter/services/queueing_ingest_service.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>
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
// A few names are searched in the list; past kListedTenants a set takes
// over, so a batch of all-different tenants costs no more than linear time.
constexpr std::size_t kListedTenants = 16;

std::vector<std::string> TenantsOf(const std::vector<Event>& events) {
  std::vector<std::string> names;
  // Views of the events' own names (stable, unlike the list's copies),
  // filled once the list outgrows its search.
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string& tenant = events[i].tenant;
    if (!names.empty() && names.back() == tenant) continue;
    if (seen.empty() && names.size() < kListedTenants) {
      if (std::find(names.begin(), names.end(), tenant) == names.end()) names.push_back(tenant);
      continue;
    }
    if (seen.empty()) {
      for (std::size_t j = 0; j < i; ++j) seen.insert(events[j].tenant);
    }
    if (seen.insert(tenant).second) names.push_back(tenant);
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
