#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace flagmeter {

/// What a hot standby reports of its replay (PgReplicaLag reads it).
struct StandbyPositions {
  bool in_recovery = true;
  bool receiving = true;                    // a WAL receiver runs (it is streaming, or trying to)
  std::optional<std::int64_t> received;     // WAL bytes received; none before streaming started
  std::optional<std::int64_t> replayed;     // WAL bytes replayed
  std::optional<double> since_last_replay;  // seconds since the commit time of the last replayed transaction
};

/// Estimates how far a standby's data is behind its primary, in seconds,
/// from successive StandbyPositions.
///
/// Everything received is replayed: 0. Else the lag is at most the age of
/// the last replayed commit, and at most the time since this estimator saw
/// the standby receive the position it has now replayed; the estimate is the
/// smaller. The second bound keeps an idle primary from looking like a late
/// standby: after an hour without writes the last replayed commit is an hour
/// old, yet a new write that is still being replayed is a second late, not an
/// hour. With no WAL receiver running, the standby cannot know what it is
/// missing: the age of the last replayed commit (it grows until streaming
/// resumes). With nothing to go by: +inf.
/// Owned by one thread.
class ReplicaLagEstimator final {
 public:
  using Clock = std::chrono::steady_clock;

  double Estimate(const StandbyPositions& positions, Clock::time_point now);

 private:
  // Enough history for a lag of a few minutes at one sample a second.
  static constexpr std::size_t kMaxHistory = 600;

  // (when, WAL received by then) per estimate, oldest first.
  std::deque<std::pair<Clock::time_point, std::int64_t>> received_;
};

}  // namespace flagmeter
