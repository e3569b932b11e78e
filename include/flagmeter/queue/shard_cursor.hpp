#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace flagmeter {

/// Which shard a consumer claims from next (the rules are in the DESIGN
/// comment of valkey_queue.cpp):
/// - shards are tried round-robin from a starting offset, and after each
///   batch the consumer moves on to the next shard, so a hot shard cannot
///   starve the others;
/// - from the moment a claim is sent until its batch is settled (acked or
///   released), or the shard answers empty, the consumer is pinned to that
///   shard: a batch not acknowledged, or a claim whose reply was lost, is
///   claimed again there first, so nothing is stranded;
/// - a shard found empty is skipped for a backoff that doubles from
///   kFirstIdleBackoff to `max_idle_backoff`, reset when it yields events.
///   With one shard there is no backoff: the worker's own idle wait applies.
/// Owned by one consumer (one worker thread).
class ShardCursor final {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirstIdleBackoff{5};
  static constexpr std::chrono::milliseconds kMaxIdleBackoff{250};

  ShardCursor(std::size_t shards, std::size_t first, std::chrono::milliseconds max_idle_backoff = kMaxIdleBackoff);

  /// The shards to try for the next claim, in order: the pinned one alone,
  /// else every shard not backed off at `now`, from the next in turn.
  std::vector<std::size_t> Order(Clock::time_point now) const;

  /// The same into `order` (cleared first), which keeps its capacity from
  /// claim to claim.
  void Order(Clock::time_point now, std::vector<std::size_t>& order) const;

  /// A claim on `shard` is about to be sent: pins it.
  void Attempting(std::size_t shard);

  /// `shard` returned events: its backoff is reset; it stays pinned.
  void Yielded(std::size_t shard);

  /// `shard` answered that it has nothing: unpins it and backs it off.
  void Empty(std::size_t shard, Clock::time_point now);

  /// The batch was acknowledged or handed back: the next claim starts at the
  /// shard after it.
  void Settled();

  /// The shard holding (or maybe holding) this consumer's batch, if any.
  std::optional<std::size_t> pinned() const { return pinned_; }

  /// The shard Ack/RenewLease/DeadLetter/Release act on: the pinned one,
  /// else the one last tried.
  std::size_t current() const { return pinned_.value_or(last_); }

 private:
  struct Idle {
    Clock::time_point until{};
    std::chrono::milliseconds backoff{0};
  };

  const std::chrono::milliseconds max_idle_backoff_;
  std::vector<Idle> idle_;
  std::size_t next_;
  std::size_t last_;
  std::optional<std::size_t> pinned_;
};

}  // namespace flagmeter
