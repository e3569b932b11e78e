#pragma once

#include <chrono>

#include "flagmeter/core/mutex.hpp"

namespace flagmeter::worker_internal {

/// The pool's stop request, seen by every worker: whether to stop claiming,
/// and until when a worker may keep retrying its current batch. Waits on it
/// are cut short by Request. Thread-safe.
class StopSignal final {
 public:
  using Clock = std::chrono::steady_clock;

  /// Clears a previous request (before the workers start again).
  void Reset();

  /// Asks the workers to stop claiming and to give up retrying at `deadline`.
  void Request(Clock::time_point deadline);

  bool Requested() const;

  /// True once a stop was requested and its deadline has passed.
  bool PastDeadline() const;

  /// Waits up to `delay`, or until a stop is requested. For the idle poll.
  void WaitIdle(std::chrono::milliseconds delay);

  /// Waits `delay` before a retry, but never past the stop deadline once a
  /// stop is requested. False when the deadline has passed: give up.
  bool WaitBeforeRetry(std::chrono::milliseconds delay);

 private:
  mutable Mutex mu_;
  CondVar cv_;
  bool requested_ FM_GUARDED_BY(mu_) = false;
  Clock::time_point deadline_ FM_GUARDED_BY(mu_);  // meaningful when requested_
};

}  // namespace flagmeter::worker_internal
