#include "flagmeter/core/thread_health.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace flagmeter {
namespace {

using std::chrono::milliseconds;

ThreadHealth::Group GroupOf(const ThreadHealth& health, ThreadGroup group) {
  return health.Snapshot()[static_cast<std::size_t>(group)];
}

TEST(ThreadHealth, EveryGroupHasAFixedLabel) {
  ThreadHealth health;
  ASSERT_EQ(health.Snapshot().size(), kThreadGroupCount);
  EXPECT_EQ(ThreadGroupName(ThreadGroup::kWorkers), "workers");
  EXPECT_EQ(ThreadGroupName(ThreadGroup::kMonitor), "monitor");
}

TEST(RunSupervised, RestartsALoopThatThrowsUntilItReturns) {
  ThreadHealth health;
  health.Expect(ThreadGroup::kAdmin, 1);
  int runs = 0;
  RunSupervised(
      &health, ThreadGroup::kAdmin, "fm-test",
      [&runs] {
        if (++runs < 3) throw std::runtime_error("boom");
      },
      [] { return false; }, RestartBackoff{milliseconds(1), milliseconds(2)});
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(GroupOf(health, ThreadGroup::kAdmin).restarts, 2);
  EXPECT_EQ(GroupOf(health, ThreadGroup::kAdmin).running, 0);  // returned: no longer running
}

TEST(RunSupervised, IsDegradedWhileWaitingToRestartAndStopsWhenAsked) {
  ThreadHealth health;
  health.Expect(ThreadGroup::kUsageReaders, 1);
  std::atomic<bool> stopping{false};
  std::thread thread([&] {
    RunSupervised(
        &health, ThreadGroup::kUsageReaders, "fm-test", [] { throw std::runtime_error("always"); },
        [&stopping] { return stopping.load(); }, RestartBackoff{milliseconds(60000), milliseconds(60000)});
  });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (GroupOf(health, ThreadGroup::kUsageReaders).restarts == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_TRUE(health.Degraded());  // 0 of 1 running during the backoff
  stopping = true;                 // ends the minute-long backoff at once
  thread.join();
  EXPECT_EQ(GroupOf(health, ThreadGroup::kUsageReaders).restarts, 1);
}

}  // namespace
}  // namespace flagmeter
