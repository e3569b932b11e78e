// Closed-loop virtual users (k6 ramping-vus). Each VU is a coroutine with its
// own keep-alive connection and random generator, on its shard's io thread.
// VU i is active while floor(profile.VusAt(t)) > i: ramping up activates VUs
// in index order, ramping down retires the highest first, and a VU retires
// only between iterations (k6's graceful ramp-down).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "load/shard.hpp"

namespace flagmeter::load {
namespace asio = boost::asio;
namespace {

// Longest single sleep of an inactive VU, so that a stop request is seen soon.
constexpr Millis kMaxWait{250};

struct VirtualUser {
  const RunShared& shared;
  Shard& shard;
  int index;
  std::uint64_t seed;
};

asio::awaitable<void> Sleep(asio::steady_timer& timer, Clock::duration duration) {
  timer.expires_after(duration);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> RunVirtualUser(VirtualUser vu) {
  const Options& options = vu.shared.options;
  auto executor = co_await asio::this_coro::executor;
  HttpConnection connection(executor, vu.shared.endpoint, vu.shared.host_header, options.request_timeout);
  std::mt19937_64 rng(vu.seed);
  asio::steady_timer timer(executor);
  IterationContext context{options, vu.shared.workload, connection, rng, vu.shard.stats, vu.shard.live};
  std::uniform_int_distribution<long long> think(0, options.max_sleep.count() * 1000);
  bool active = false;
  while (!vu.shared.stop.load(std::memory_order_relaxed)) {
    const auto elapsed = std::chrono::duration_cast<Millis>(Clock::now() - vu.shared.start);
    const std::optional<Millis> next = options.profile.NextActiveTime(vu.index, elapsed);
    if (!next) break;
    if (*next > elapsed) {
      if (active) {
        active = false;
        vu.shard.live.active_vus.fetch_sub(1, std::memory_order_relaxed);
        connection.Close();
      }
      co_await Sleep(timer, std::min(*next - elapsed, kMaxWait));
      continue;
    }
    if (!active) {
      active = true;
      vu.shard.live.active_vus.fetch_add(1, std::memory_order_relaxed);
    }
    co_await RunIteration(context, Clock::now());
    co_await Sleep(timer, std::chrono::microseconds(think(rng)));
  }
  if (active) vu.shard.live.active_vus.fetch_sub(1, std::memory_order_relaxed);
}

// splitmix64: spreads one --seed into independent-looking per-VU seeds.
std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

void LogCoroutineFailure(const char* what, std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flagmeter-load: %s failed: %s\n", what, e.what());
  }
}

void SpawnVirtualUsers(const RunShared& shared, Shard& shard, int shard_count) {
  const int total = shared.options.profile.MaxVus();
  for (int index = shard.index; index < total; index += shard_count) {
    VirtualUser vu{shared, shard, index, MixSeed(shared.options.seed, static_cast<std::uint64_t>(index))};
    asio::co_spawn(shard.io, RunVirtualUser(vu),
                   [](std::exception_ptr error) { LogCoroutineFailure("virtual user", error); });
  }
}

}  // namespace flagmeter::load
