// The background monitor's sampling of the dead-letter list into
// flagmeter_events_dead_letters{reason}.
#include <gtest/gtest.h>
#include <prometheus/gauge.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/monitor/background_monitor.hpp"

namespace flagmeter {
namespace {

struct DeadLetterWorld {
  std::atomic<std::int64_t> undecodable{3};
  std::atomic<std::int64_t> refused{5};
  std::atomic<bool> reachable{true};
  std::atomic<int> counts{0};

  MonitorProbes Probes() {
    return MonitorProbes{
        .queue_depth = []() -> Result<std::int64_t> { return std::int64_t{0}; },
        .ping_database = [] { return Status::Ok(); },
        .inflight = [] { return std::int64_t{0}; },
        .dead_letters = [this]() -> Result<DeadLetterCounts> {
          ++counts;
          if (!reachable) return Status::Unavailable("valkey down");
          return DeadLetterCounts{undecodable.load(), refused.load(), 0};
        },
    };
  }
};

bool Eventually(const std::function<bool()>& predicate) {
  for (int i = 0; i < 500; ++i) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(DeadLetterGauge, SetBeforeStartReturnsAndFollowsTheList) {
  DeadLetterWorld world;
  Metrics metrics;
  BackgroundMonitor monitor(world.Probes(), metrics, std::chrono::milliseconds(10));
  monitor.Start();
  EXPECT_EQ(metrics.dead_letters(DeadLetterReason::kUndecodable).Value(), 3);
  EXPECT_EQ(metrics.dead_letters(DeadLetterReason::kRefused).Value(), 5);

  world.refused = 0;
  EXPECT_TRUE(Eventually([&] { return metrics.dead_letters(DeadLetterReason::kRefused).Value() == 0; }));

  // Unreachable: the last value stays, rather than a false 0.
  world.reachable = false;
  world.undecodable = 1;
  const int before = world.counts;
  EXPECT_TRUE(Eventually([&] { return world.counts > before + 2; }));
  EXPECT_EQ(metrics.dead_letters(DeadLetterReason::kUndecodable).Value(), 3);
  monitor.Stop();
}

TEST(DeadLetterGauge, NoProbeNoSampling) {
  DeadLetterWorld world;
  MonitorProbes probes = world.Probes();
  probes.dead_letters = nullptr;
  Metrics metrics;
  BackgroundMonitor monitor(std::move(probes), metrics, std::chrono::milliseconds(10));
  monitor.Start();
  EXPECT_EQ(metrics.dead_letters(DeadLetterReason::kRefused).Value(), 0);
  monitor.Stop();
}

}  // namespace
}  // namespace flagmeter
