#include "load/runner.hpp"

#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "load/shard.hpp"

namespace flagmeter::load {
namespace {

// Sums the shards' live counters for a progress line.
void PrintProgress(const std::vector<std::unique_ptr<Shard>>& shards, double seconds, std::uint64_t* last_requests,
                   double* last_seconds) {
  std::uint64_t requests = 0;
  std::uint64_t failed = 0;
  int active = 0;
  for (const auto& shard : shards) {
    requests += shard->live.requests.load(std::memory_order_relaxed);
    failed += shard->live.failed.load(std::memory_order_relaxed);
    active += shard->live.active_vus.load(std::memory_order_relaxed);
  }
  const double window = seconds - *last_seconds;
  const double rps = window > 0 ? static_cast<double>(requests - *last_requests) / window : 0.0;
  std::fprintf(stderr, "[%6.1fs] active %5d  requests %9llu  rps %8.1f  failed %llu\n", seconds, active,
               static_cast<unsigned long long>(requests), rps, static_cast<unsigned long long>(failed));
  *last_requests = requests;
  *last_seconds = seconds;
}

}  // namespace

RunOutcome RunLoad(const Options& options, const Workload& workload, const boost::asio::ip::tcp::endpoint& endpoint,
                   const std::atomic<bool>& stop) {
  const RunShared shared{options, workload, endpoint, HostHeader(options.base_url), Clock::now(), stop};
  std::vector<std::unique_ptr<Shard>> shards;
  for (int i = 0; i < options.threads; ++i) {
    shards.push_back(std::make_unique<Shard>(i));
    if (options.mode == Mode::kArrivalRate) {
      SpawnArrivals(shared, *shards.back(), options.threads);
    } else {
      SpawnVirtualUsers(shared, *shards.back(), options.threads);
    }
  }
  std::atomic<int> running{options.threads};
  std::vector<std::thread> threads;
  for (auto& shard : shards) {
    threads.emplace_back([&running, &shard] {
      shard->io.run();
      running.fetch_sub(1);
    });
  }
  std::uint64_t last_requests = 0;
  double last_seconds = 0;
  auto next_progress = shared.start + options.progress_interval;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (options.progress_interval.count() > 0 && Clock::now() >= next_progress) {
      PrintProgress(shards, std::chrono::duration<double>(Clock::now() - shared.start).count(), &last_requests,
                    &last_seconds);
      next_progress += options.progress_interval;
    }
  }
  for (std::thread& thread : threads) thread.join();
  RunOutcome outcome;
  outcome.elapsed_seconds = std::chrono::duration<double>(Clock::now() - shared.start).count();
  outcome.interrupted = stop.load();
  for (const auto& shard : shards) outcome.stats.Merge(shard->stats);
  return outcome;
}

}  // namespace flagmeter::load
