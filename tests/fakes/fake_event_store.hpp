#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "flagmeter/core/event.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/store/event_store.hpp"

namespace flagmeter::fakes {

/// An in-memory event store shared by any number of handles (one EventStore
/// each, made by NewStore), with the real store's contract: each CommitBatch
/// is all or nothing, and an event whose (tenant, id) is already stored (or
/// earlier in the same batch) is a duplicate, not stored again. A batch
/// holding an id stored by an earlier batch reports one rerun, as
/// PgEventStore's plain insert does (without its window of batches that skip
/// stored ids). Failures can be injected. Handles may outlive the FakeStore.
/// Thread-safe.
class FakeStore final {
 public:
  using CommitHook = std::function<void(const std::vector<Event>&)>;

  FakeStore() : state_(std::make_shared<State>()) {}

  /// The next `count` CommitBatch calls fail with `status` and store nothing.
  void FailNextCommits(int count, Status status = Status::Unavailable("fake store: injected outage")) {
    std::lock_guard lock(state_->mu);
    state_->fail_count = count;
    state_->fail_status = std::move(status);
  }

  /// Every batch holding an event with this id is refused with
  /// InvalidArgument(reason), as the database refuses a poison event.
  void RefuseEventId(const std::string& id, std::string reason) {
    std::lock_guard lock(state_->mu);
    state_->refused[id] = std::move(reason);
  }

  /// Runs at the start of every CommitBatch, outside the store's lock (e.g.
  /// to hold a commit in flight while a test acts).
  void SetCommitHook(CommitHook hook) {
    std::lock_guard lock(state_->mu);
    state_->hook = std::move(hook);
  }

  std::unique_ptr<EventStore> NewStore() { return std::make_unique<Handle>(state_); }

  /// Stored events, in commit order.
  std::vector<Event> Stored() const {
    std::lock_guard lock(state_->mu);
    return state_->stored;
  }

  std::size_t StoredCount() const {
    std::lock_guard lock(state_->mu);
    return state_->stored.size();
  }

  /// CommitBatch calls, failed ones included.
  std::size_t CommitCalls() const {
    std::lock_guard lock(state_->mu);
    return state_->commit_calls;
  }

  /// CommitBatch calls whose batch held an event with this id.
  std::size_t CallsContaining(const std::string& id) const {
    std::lock_guard lock(state_->mu);
    auto it = state_->calls_by_id.find(id);
    return it == state_->calls_by_id.end() ? 0 : it->second;
  }

  /// Sizes of the batches committed, in commit order.
  std::vector<std::size_t> CommittedBatchSizes() const {
    std::lock_guard lock(state_->mu);
    return state_->batch_sizes;
  }

 private:
  struct State {
    std::mutex mu;
    std::vector<Event> stored;
    std::set<std::pair<std::string, std::string>> keys;  // (tenant, id) stored
    std::map<std::string, std::string> refused;          // event id -> reason
    std::map<std::string, std::size_t> calls_by_id;
    std::vector<std::size_t> batch_sizes;
    std::size_t commit_calls = 0;
    int fail_count = 0;
    Status fail_status;
    CommitHook hook;
  };

  class Handle final : public EventStore {
   public:
    explicit Handle(std::shared_ptr<State> state) : state_(std::move(state)) {}

    Result<CommitOutcome> CommitBatch(const std::vector<Event>& events) override {
      CommitHook hook;
      {
        std::lock_guard lock(state_->mu);
        hook = state_->hook;
      }
      if (hook) hook(events);

      std::lock_guard lock(state_->mu);
      ++state_->commit_calls;
      std::set<std::string> ids;
      for (const Event& event : events) ids.insert(event.id);
      for (const std::string& id : ids) ++state_->calls_by_id[id];
      if (state_->fail_count > 0) {
        --state_->fail_count;
        return state_->fail_status;
      }
      for (const Event& event : events) {
        auto it = state_->refused.find(event.id);
        if (it != state_->refused.end()) {
          return Status::InvalidArgument("fake store: commit batch: event '" + event.id + "': " + it->second);
        }
      }
      return Apply(events);
    }

   private:
    // Requires state_->mu.
    CommitOutcome Apply(const std::vector<Event>& events) {
      CommitOutcome outcome;
      std::set<std::pair<std::string, std::string>> added;
      for (const Event& event : events) {
        if (state_->keys.emplace(event.tenant, event.id).second) {
          added.emplace(event.tenant, event.id);
          state_->stored.push_back(event);
          ++outcome.inserted;
        } else {
          ++outcome.duplicates;
          if (added.count({event.tenant, event.id}) == 0) outcome.stored_id_reruns = 1;
        }
      }
      state_->batch_sizes.push_back(events.size());
      return outcome;
    }

    const std::shared_ptr<State> state_;
  };

  std::shared_ptr<State> state_;
};

}  // namespace flagmeter::fakes
