#pragma once

#include <chrono>
#include <random>

namespace flagmeter::worker_internal {

/// Capped exponential backoff with jitter. The n-th delay (from 0) is drawn
/// uniformly from [d/2, d] with d = min(initial * 2^n, max): the spread keeps
/// workers that failed together (PostgreSQL restarting) from retrying in
/// lockstep, and the lower half bound keeps the growth. Owned by one thread.
class Backoff final {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);

  /// The delay to wait before the next try; doubles the base for the one after.
  std::chrono::milliseconds Next();

  /// Back to `initial`, after a success.
  void Reset() {
    base_ = initial_;
    failures_ = 0;
  }

  /// Failures (calls of Next) since construction or the last Reset.
  int failures() const { return failures_; }

  /// Whether the failure just counted is worth a log line: the first three
  /// of an outage, then every 20th. At the cap a long outage is still logged
  /// every few seconds, not at every retry.
  bool ShouldLog() const { return failures_ <= 3 || failures_ % 20 == 0; }

 private:
  const std::chrono::milliseconds initial_;
  const std::chrono::milliseconds max_;
  std::chrono::milliseconds base_;
  int failures_ = 0;
  std::minstd_rand rng_;
};

}  // namespace flagmeter::worker_internal
