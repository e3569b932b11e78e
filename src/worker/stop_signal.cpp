#include "worker/stop_signal.hpp"

#include <algorithm>

namespace flagmeter::worker_internal {

void StopSignal::Reset() {
  std::lock_guard lock(mu_);
  requested_ = false;
}

void StopSignal::Request(Clock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    requested_ = true;
    deadline_ = deadline;
  }
  cv_.notify_all();
}

bool StopSignal::Requested() const {
  std::lock_guard lock(mu_);
  return requested_;
}

bool StopSignal::PastDeadline() const {
  std::lock_guard lock(mu_);
  return requested_ && Clock::now() >= deadline_;
}

void StopSignal::WaitIdle(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [this] { return requested_; });
}

bool StopSignal::WaitBeforeRetry(std::chrono::milliseconds delay) {
  const Clock::time_point wake = Clock::now() + delay;
  std::unique_lock lock(mu_);
  // A stop request does not hurry the retry (the batch may still commit
  // before the deadline); it only caps the wait at the deadline.
  cv_.wait_until(lock, wake, [this] { return requested_; });
  if (requested_) {
    const Clock::time_point until = std::min(wake, deadline_);
    while (Clock::now() < until) cv_.wait_until(lock, until);
  }
  return !(requested_ && Clock::now() >= deadline_);
}

}  // namespace flagmeter::worker_internal
