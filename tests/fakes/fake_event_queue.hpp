#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/event_queue.hpp"

namespace flagmeter::fakes {

struct DeadLetterEntry {
  std::string encoded_event;
  std::string reason;
};

/// An in-memory reliable queue shared by any number of consumers (one
/// EventQueue each, made by NewConsumer), with the semantics of the Valkey
/// queue: claimed entries stay with their consumer until Ack; a Claim while a
/// batch is still un-acknowledged returns that batch again; Release puts it
/// back at the head, in order; DeadLetter takes the entry out of the
/// consumer's batch (NotFound when it is not there). Failures can be injected
/// per operation. Consumers may outlive the FakeQueue. Thread-safe.
class FakeQueue final {
 public:
  enum class Op { kClaim, kAck, kRenewLease, kRelease, kDeadLetter };

  FakeQueue() : state_(std::make_shared<State>()) {}

  void Push(std::string encoded) {
    std::lock_guard lock(state_->mu);
    state_->waiting.push_back(std::move(encoded));
  }

  void Push(const std::vector<std::string>& encoded) {
    for (const std::string& entry : encoded) Push(entry);
  }

  /// The next `count` calls of `op`, from any consumer, fail with `status`
  /// and change nothing.
  void FailNext(Op op, int count, Status status = Status::Unavailable("fake queue: injected failure")) {
    std::lock_guard lock(state_->mu);
    state_->fail_count[Index(op)] = count;
    state_->fail_status[Index(op)] = std::move(status);
  }

  /// Puts every consumer's un-acknowledged batch back at the head of the
  /// queue, as the reaper does when leases run out.
  void ExpireLeases() {
    std::lock_guard lock(state_->mu);
    for (auto& [id, batch] : state_->processing) {
      state_->waiting.insert(state_->waiting.begin(), batch.begin(), batch.end());
      batch.clear();
    }
  }

  std::unique_ptr<EventQueue> NewConsumer() {
    std::lock_guard lock(state_->mu);
    return std::make_unique<Consumer>(state_, state_->next_consumer++);
  }

  /// Entries waiting to be claimed, head first.
  std::vector<std::string> Waiting() const {
    std::lock_guard lock(state_->mu);
    return {state_->waiting.begin(), state_->waiting.end()};
  }

  /// Entries claimed by some consumer and not acknowledged.
  std::size_t ClaimedCount() const {
    std::lock_guard lock(state_->mu);
    std::size_t count = 0;
    for (const auto& [id, batch] : state_->processing) count += batch.size();
    return count;
  }

  std::vector<DeadLetterEntry> DeadLetters() const {
    std::lock_guard lock(state_->mu);
    return state_->dead;
  }

  /// Calls of `op`, failed ones included.
  std::size_t Calls(Op op) const {
    std::lock_guard lock(state_->mu);
    return state_->calls[Index(op)];
  }

  /// The most entries any single Claim returned.
  std::size_t LargestClaim() const {
    std::lock_guard lock(state_->mu);
    return state_->largest_claim;
  }

 private:
  static constexpr std::size_t kOps = 5;

  struct State {
    std::mutex mu;
    std::deque<std::string> waiting;
    std::map<int, std::vector<std::string>> processing;  // consumer id -> its batch
    std::vector<DeadLetterEntry> dead;
    std::array<std::size_t, kOps> calls{};
    std::array<int, kOps> fail_count{};
    std::array<Status, kOps> fail_status{};
    std::size_t largest_claim = 0;
    int next_consumer = 0;

    // Counts the call; the injected failure if one is due. Requires mu.
    Status Enter(Op op) {
      const std::size_t i = Index(op);
      ++calls[i];
      if (fail_count[i] <= 0) return Status::Ok();
      --fail_count[i];
      return fail_status[i];
    }
  };

  static std::size_t Index(Op op) { return static_cast<std::size_t>(op); }

  class Consumer final : public EventQueue {
   public:
    Consumer(std::shared_ptr<State> state, int id) : state_(std::move(state)), id_(id) {}

    Result<std::vector<std::string>> Claim(std::size_t max_items) override {
      std::lock_guard lock(state_->mu);
      if (Status injected = state_->Enter(Op::kClaim); !injected.ok()) return injected;
      std::vector<std::string>& mine = state_->processing[id_];
      if (mine.empty()) {
        const std::size_t take = std::min(max_items, state_->waiting.size());
        mine.assign(state_->waiting.begin(), state_->waiting.begin() + take);
        state_->waiting.erase(state_->waiting.begin(), state_->waiting.begin() + take);
      }
      state_->largest_claim = std::max(state_->largest_claim, mine.size());
      return mine;
    }

    Status Ack() override {
      std::lock_guard lock(state_->mu);
      if (Status injected = state_->Enter(Op::kAck); !injected.ok()) return injected;
      state_->processing[id_].clear();
      return Status::Ok();
    }

    Status RenewLease() override {
      std::lock_guard lock(state_->mu);
      return state_->Enter(Op::kRenewLease);
    }

    Status Release() override {
      std::lock_guard lock(state_->mu);
      if (Status injected = state_->Enter(Op::kRelease); !injected.ok()) return injected;
      std::vector<std::string>& mine = state_->processing[id_];
      state_->waiting.insert(state_->waiting.begin(), mine.begin(), mine.end());
      mine.clear();
      return Status::Ok();
    }

    Result<DeadLetterDrops> DeadLetter(const std::string& encoded_event, DeadLetterReason /*reason*/,
                                       const std::string& detail) override {
      std::lock_guard lock(state_->mu);
      if (Status injected = state_->Enter(Op::kDeadLetter); !injected.ok()) return injected;
      std::vector<std::string>& mine = state_->processing[id_];
      auto it = std::find(mine.begin(), mine.end(), encoded_event);
      if (it == mine.end()) {
        return Status::NotFound("fake queue: dead-letter: entry not in consumer " + std::to_string(id_) +
                                "'s batch");
      }
      mine.erase(it);
      state_->dead.push_back({encoded_event, detail});
      return DeadLetterDrops{};
    }

   private:
    const std::shared_ptr<State> state_;
    const int id_;
  };

  std::shared_ptr<State> state_;
};

}  // namespace flagmeter::fakes
