#include "worker/stop_signal.hpp"

#include <algorithm>

namespace flagmeter::worker_internal {

void StopSignal::Reset() {
  MutexLock lock(mu_);
  requested_ = false;
}

void StopSignal::Request(Clock::time_point deadline) {
  {
    MutexLock lock(mu_);
    requested_ = true;
    deadline_ = deadline;
  }
  cv_.NotifyAll();
}

bool StopSignal::Requested() const {
  MutexLock lock(mu_);
  return requested_;
}

bool StopSignal::PastDeadline() const {
  MutexLock lock(mu_);
  return requested_ && Clock::now() >= deadline_;
}

void StopSignal::WaitIdle(std::chrono::milliseconds delay) {
  MutexLock lock(mu_);
  cv_.WaitFor(mu_, delay, [this]() FM_REQUIRES(mu_) { return requested_; });
}

bool StopSignal::WaitBeforeRetry(std::chrono::milliseconds delay) {
  const Clock::time_point wake = Clock::now() + delay;
  MutexLock lock(mu_);
  // A stop request does not hurry the retry (the batch may still commit
  // before the deadline); it only caps the wait at the deadline.
  cv_.WaitUntil(mu_, wake, [this]() FM_REQUIRES(mu_) { return requested_; });
  if (requested_) {
    const Clock::time_point until = std::min(wake, deadline_);
    while (Clock::now() < until) cv_.WaitUntil(mu_, until);
  }
  return !(requested_ && Clock::now() >= deadline_);
}

}  // namespace flagmeter::worker_internal
