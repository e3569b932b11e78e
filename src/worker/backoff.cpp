#include "worker/backoff.hpp"

#include <algorithm>

namespace flagmeter::worker_internal {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      base_(initial_),
      rng_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::Next() {
  const std::chrono::milliseconds::rep full = base_.count();
  std::uniform_int_distribution<std::chrono::milliseconds::rep> jitter(full / 2, full);
  const std::chrono::milliseconds delay(jitter(rng_));
  base_ = std::min(base_ * 2, max_);
  ++failures_;
  return delay;
}

}  // namespace flagmeter::worker_internal
