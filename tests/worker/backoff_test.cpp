#include "worker/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "flagmeter/worker/worker_pool.hpp"

namespace flagmeter::worker_internal {
namespace {

using std::chrono::milliseconds;

// The workers' own policy, as docs/reliability.md gives it: 100 ms doubling to 250 ms.
Backoff WorkersBackoff() {
  const WorkerRetryPolicy policy;
  return Backoff(policy.initial_backoff, policy.max_backoff);
}

TEST(Backoff, DoublesWithinJitterUpToTheCap) {
  Backoff backoff = WorkersBackoff();
  // Bases 100, 200, then 250 for good; each delay is in [base / 2, base].
  const milliseconds bases[] = {milliseconds(100), milliseconds(200), milliseconds(250), milliseconds(250),
                                milliseconds(250)};
  for (const milliseconds base : bases) {
    const milliseconds delay = backoff.Next();
    EXPECT_GE(delay, base / 2);
    EXPECT_LE(delay, base);
  }
}

TEST(Backoff, NeverWaitsLongerThanTheCapHowEverLongTheOutage) {
  Backoff backoff = WorkersBackoff();
  milliseconds longest{0};
  for (int i = 0; i < 10000; ++i) longest = std::max(longest, backoff.Next());
  EXPECT_LE(longest, milliseconds(250));
  EXPECT_GE(longest, milliseconds(125));
  EXPECT_EQ(backoff.failures(), 10000);
}

TEST(Backoff, ResetStartsOverFromTheInitialDelay) {
  Backoff backoff(milliseconds(100), milliseconds(250));
  for (int i = 0; i < 5; ++i) backoff.Next();
  backoff.Reset();
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_LE(backoff.Next(), milliseconds(100));
  EXPECT_EQ(backoff.failures(), 1);
}

TEST(Backoff, LogsTheFirstThreeFailuresThenEveryTwentieth) {
  Backoff backoff(milliseconds(1), milliseconds(1));
  int logged = 0;
  for (int failure = 1; failure <= 100; ++failure) {
    backoff.Next();
    const bool expected = failure <= 3 || failure % 20 == 0;
    EXPECT_EQ(backoff.ShouldLog(), expected) << "failure " << failure;
    if (backoff.ShouldLog()) ++logged;
  }
  EXPECT_EQ(logged, 3 + 5);  // 1, 2, 3, then 20, 40, 60, 80, 100
  // A success ends the outage: the next one is logged from its start again.
  backoff.Reset();
  backoff.Next();
  EXPECT_TRUE(backoff.ShouldLog());
}

}  // namespace
}  // namespace flagmeter::worker_internal
