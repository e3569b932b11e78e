#include "flagmeter/store/replica_lag_estimator.hpp"

#include <algorithm>
#include <limits>

namespace flagmeter {

double ReplicaLagEstimator::Estimate(const StandbyPositions& positions, Clock::time_point now) {
  constexpr double kUnknown = std::numeric_limits<double>::infinity();
  if (!positions.in_recovery) return 0;
  const double by_commit_time = positions.since_last_replay ? std::max(0.0, *positions.since_last_replay) : kUnknown;
  if (!positions.receiving || !positions.received || !positions.replayed) {
    received_.clear();
    return by_commit_time;
  }
  const std::int64_t received = *positions.received;
  const std::int64_t replayed = *positions.replayed;
  received_.emplace_back(now, received);
  while (received_.size() > kMaxHistory) received_.pop_front();
  if (replayed >= received) return 0;

  // The last time the standby had received no more than it has replayed now.
  double by_receive_time = kUnknown;
  for (auto it = received_.rbegin(); it != received_.rend(); ++it) {
    if (it->second <= replayed) {
      by_receive_time = std::chrono::duration<double>(now - it->first).count();
      break;
    }
  }
  return std::min(by_commit_time, by_receive_time);
}

}  // namespace flagmeter
