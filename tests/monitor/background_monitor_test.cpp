#include "flagmeter/monitor/background_monitor.hpp"

#include <gtest/gtest.h>
#include <prometheus/gauge.h>

#include <atomic>
#include <thread>

#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {
namespace {

struct FakeWorld {
  std::atomic<bool> valkey_up{true};
  std::atomic<bool> database_up{true};
  std::atomic<std::int64_t> depth{42};

  MonitorProbes Probes() {
    return MonitorProbes{
        .queue_depth = [this]() -> Result<std::int64_t> {
          if (!valkey_up) return Status::Unavailable("valkey down");
          return depth.load();
        },
        .ping_database = [this] { return database_up ? Status::Ok() : Status::Unavailable("pg down"); },
        .inflight = [] { return std::int64_t{7}; },
    };
  }
};

template <typename Predicate>
bool Eventually(Predicate predicate) {
  for (int i = 0; i < 500; ++i) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(BackgroundMonitor, KnowsHealthAndDepthBeforeStartReturns) {
  FakeWorld world;
  Metrics metrics;
  BackgroundMonitor monitor(world.Probes(), metrics, std::chrono::milliseconds(10));
  monitor.Start();
  EXPECT_TRUE(monitor.Health().valkey_up);
  EXPECT_TRUE(monitor.Health().database_up);
  EXPECT_EQ(metrics.queue_depth.Value(), 42);
  EXPECT_EQ(metrics.queue_inflight.Value(), 7);
  monitor.Stop();
}

TEST(BackgroundMonitor, FollowsOutagesAndRecoveries) {
  FakeWorld world;
  Metrics metrics;
  BackgroundMonitor monitor(world.Probes(), metrics, std::chrono::milliseconds(10));
  monitor.Start();
  world.valkey_up = false;
  EXPECT_TRUE(Eventually([&] { return !monitor.Health().valkey_up; }));
  EXPECT_TRUE(monitor.Health().database_up);
  world.database_up = false;
  EXPECT_TRUE(Eventually([&] { return !monitor.Health().database_up; }));
  world.valkey_up = true;
  world.database_up = true;
  world.depth = 3;
  EXPECT_TRUE(Eventually([&] { return monitor.Health().valkey_up && monitor.Health().database_up; }));
  EXPECT_TRUE(Eventually([&] { return metrics.queue_depth.Value() == 3; }));
  monitor.Stop();
}

}  // namespace
}  // namespace flagmeter
