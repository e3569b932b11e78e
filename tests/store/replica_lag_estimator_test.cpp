#include "flagmeter/store/replica_lag_estimator.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace flagmeter {
namespace {

using Clock = ReplicaLagEstimator::Clock;
using std::chrono::milliseconds;

StandbyPositions At(std::int64_t received, std::int64_t replayed, double since_last_replay) {
  return StandbyPositions{.in_recovery = true,
                          .receiving = true,
                          .received = received,
                          .replayed = replayed,
                          .since_last_replay = since_last_replay};
}

TEST(ReplicaLagEstimator, EverythingReceivedReplayedIsNoLagHoweverOldTheLastCommit) {
  ReplicaLagEstimator estimator;
  EXPECT_EQ(estimator.Estimate(At(100, 100, 3600), Clock::now()), 0);
}

TEST(ReplicaLagEstimator, AfterAnIdleHourANewWriteBeingReplayedLagsBySecondsNotAnHour) {
  ReplicaLagEstimator estimator;
  const Clock::time_point t0 = Clock::now();
  EXPECT_EQ(estimator.Estimate(At(100, 100, 3600), t0), 0);
  // One second later the new write is received, not yet replayed; its
  // predecessor committed an hour ago.
  EXPECT_DOUBLE_EQ(estimator.Estimate(At(200, 100, 3601), t0 + milliseconds(1000)), 1.0);
}

TEST(ReplicaLagEstimator, APausedReplayLagsMoreEachCheck) {
  ReplicaLagEstimator estimator;
  const Clock::time_point t0 = Clock::now();
  estimator.Estimate(At(100, 100, 0.5), t0);
  EXPECT_DOUBLE_EQ(estimator.Estimate(At(150, 100, 1.5), t0 + milliseconds(1000)), 1.0);
  EXPECT_DOUBLE_EQ(estimator.Estimate(At(200, 100, 2.5), t0 + milliseconds(2000)), 2.0);
  // Replay caught up with what had arrived at the second check.
  EXPECT_DOUBLE_EQ(estimator.Estimate(At(250, 150, 0.2), t0 + milliseconds(3000)), 0.2);
}

TEST(ReplicaLagEstimator, TheCommitTimeBoundsItWithoutHistory) {
  ReplicaLagEstimator estimator;
  EXPECT_DOUBLE_EQ(estimator.Estimate(At(200, 100, 0.75), Clock::now()), 0.75);
}

TEST(ReplicaLagEstimator, NothingToGoByIsUnknown) {
  ReplicaLagEstimator estimator;
  StandbyPositions positions = At(200, 100, 0);
  positions.since_last_replay.reset();
  EXPECT_TRUE(std::isinf(estimator.Estimate(positions, Clock::now())));
}

TEST(ReplicaLagEstimator, WithoutAWalReceiverTheLastCommitsAgeCounts) {
  ReplicaLagEstimator estimator;
  StandbyPositions positions = At(100, 100, 42);
  positions.receiving = false;
  EXPECT_DOUBLE_EQ(estimator.Estimate(positions, Clock::now()), 42);
}

}  // namespace
}  // namespace flagmeter
