#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flagmeter/store/event_store.hpp"

namespace flagmeter {

/// An EventStore that, after the wrapped store commits a batch that added
/// events, reports the batch's tenants (distinct, unordered) to `on_commit`.
/// `on_commit` runs on the worker thread after the commit, so it must be
/// quick and must not block (AlertMonitor::TenantsChanged is a set insert).
/// Owned by one worker thread, like the store it wraps.
class CommitNotifier final : public EventStore {
 public:
  using OnCommit = std::function<void(const std::vector<std::string>& tenants)>;

  CommitNotifier(std::unique_ptr<EventStore> store, OnCommit on_commit);

  /// The wrapped store's CommitBatch, then the report when it succeeded
  /// with inserted > 0.
  Result<CommitOutcome> CommitBatch(const std::vector<Event>& events) override;

 private:
  const std::unique_ptr<EventStore> store_;
  const OnCommit on_commit_;
};

}  // namespace flagmeter
