#include "flagmeter/alerts/commit_notifier.hpp"

#include <algorithm>

namespace flagmeter {

CommitNotifier::CommitNotifier(std::unique_ptr<EventStore> store, OnCommit on_commit)
    : store_(std::move(store)), on_commit_(std::move(on_commit)) {}

Result<CommitOutcome> CommitNotifier::CommitBatch(const std::vector<Event>& events) {
  Result<CommitOutcome> outcome = store_->CommitBatch(events);
  if (!outcome.ok() || outcome->inserted == 0) return outcome;
  std::vector<std::string> tenants;
  for (const Event& event : events) tenants.push_back(event.tenant);
  std::sort(tenants.begin(), tenants.end());
  tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  on_commit_(tenants);
  return outcome;
}

}  // namespace flagmeter
