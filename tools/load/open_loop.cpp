// Open-loop arrivals (k6 constant-arrival-rate, wrk2 -R). Arrival k of a
// shard is due at start + offset + k / rate, whatever happened before: a
// stalled server does not slow the schedule down, and each POST's latency is
// measured from its due time, so the stall shows in the percentiles instead
// of being omitted (coordinated omission). Each arrival takes a free
// connection from the shard's pool (most recently used first, so only as
// many connections are opened as are needed); with none free the arrival is
// dropped and counted, as k6 counts dropped_iterations.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "load/shard.hpp"

namespace flagmeter::load {
namespace asio = boost::asio;
namespace {

constexpr int kMinConnections = 64;
constexpr int kMaxDefaultConnections = 4096;

// One pooled connection with its own random generator.
struct Slot {
  Slot(asio::any_io_executor executor, const RunShared& shared, std::uint64_t seed)
      : connection(std::move(executor), shared.endpoint, shared.host_header, shared.options.request_timeout),
        rng(seed) {}
  HttpConnection connection;
  std::mt19937_64 rng;
};

// The shard's pool and schedule; lives in the scheduler coroutine's frame.
struct Arrivals {
  const RunShared& shared;
  Shard& shard;
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<Slot*> free;
  int in_flight = 0;
};

int PoolSize(const Options& options, int shard_count) {
  int total = options.connections;
  if (total == 0) {
    // Enough for every iteration of one second to be in flight at once.
    total = std::clamp(static_cast<int>(std::ceil(options.rate)), kMinConnections, kMaxDefaultConnections);
  }
  return std::max(1, total / shard_count);
}

asio::awaitable<void> RunArrival(Arrivals& arrivals, Slot& slot, Clock::time_point due) {
  IterationContext context{arrivals.shared.options, arrivals.shared.workload, slot.connection, slot.rng,
                           arrivals.shard.stats,    arrivals.shard.live};
  co_await RunIteration(context, due);
}

void Launch(Arrivals& arrivals, Clock::time_point due) {
  Slot* slot = arrivals.free.back();
  arrivals.free.pop_back();
  ++arrivals.in_flight;
  arrivals.shard.live.active_vus.fetch_add(1, std::memory_order_relaxed);
  asio::co_spawn(arrivals.shard.io, RunArrival(arrivals, *slot, due), [&arrivals, slot](std::exception_ptr error) {
    LogCoroutineFailure("arrival", error);
    arrivals.free.push_back(slot);
    --arrivals.in_flight;
    arrivals.shard.live.active_vus.fetch_sub(1, std::memory_order_relaxed);
  });
}

asio::awaitable<void> RunSchedule(const RunShared& shared, Shard& shard, int shard_count) {
  auto executor = co_await asio::this_coro::executor;
  Arrivals arrivals{shared, shard, {}, {}, 0};
  const int pool = PoolSize(shared.options, shard_count);
  for (int i = 0; i < pool; ++i) {
    const std::uint64_t seed = shared.options.seed * 1'000'003ULL + static_cast<std::uint64_t>(shard.index * pool + i);
    arrivals.slots.push_back(std::make_unique<Slot>(executor, shared, seed));
    arrivals.free.push_back(arrivals.slots.back().get());
  }
  const std::chrono::duration<double> interval(shard_count / shared.options.rate);
  const auto offset = interval * (static_cast<double>(shard.index) / shard_count);
  const auto end = shared.start + shared.options.rate_duration;
  asio::steady_timer timer(executor);
  for (std::uint64_t k = 0; !shared.stop.load(std::memory_order_relaxed); ++k) {
    const auto due = shared.start + std::chrono::duration_cast<Clock::duration>(offset + interval * static_cast<double>(k));
    if (due >= end) break;
    if (due > Clock::now()) {
      timer.expires_at(due);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (arrivals.free.empty()) {
      ++shard.stats.dropped;
      continue;
    }
    Launch(arrivals, due);
  }
  // The pool lives in this frame: wait for the iterations still using it.
  while (arrivals.in_flight > 0) {
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace

void SpawnArrivals(const RunShared& shared, Shard& shard, int shard_count) {
  asio::co_spawn(shard.io, RunSchedule(shared, shard, shard_count),
                 [](std::exception_ptr error) { LogCoroutineFailure("arrival scheduler", error); });
}

}  // namespace flagmeter::load
