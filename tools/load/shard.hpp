#pragma once

#include <atomic>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "load/iteration.hpp"
#include "load/options.hpp"
#include "load/run_stats.hpp"
#include "load/workload.hpp"

namespace flagmeter::load {

/// What every shard of a run reads: constant during the run, except `stop`
/// (set by the signal handler or the runner). Shared by all threads.
struct RunShared {
  const Options& options;
  const Workload& workload;
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host_header;
  Clock::time_point start;
  const std::atomic<bool>& stop;
};

/// One io thread's part of a run: its own io_context, statistics and
/// counters, so the hot path takes no locks. Everything but `live` is
/// touched only by the shard's thread until the run ends.
struct Shard {
  explicit Shard(int shard_index) : index(shard_index), io(1) {}

  const int index;
  boost::asio::io_context io;
  RunStats stats;
  LiveCounters live;
};

/// Closed loop: spawns the coroutines of the VUs with index % shard_count ==
/// shard.index on the shard's io_context. Each VU is active while the
/// profile asks for more VUs than its index, runs iterations back to back
/// with a random think time, and exits at the end of the profile or on stop.
void SpawnVirtualUsers(const RunShared& shared, Shard& shard, int shard_count);

/// Open loop: spawns the shard's arrival scheduler: rate / shard_count
/// iterations per second at fixed intended times, on a pool of
/// connections / shard_count connections; an arrival finding none free is
/// counted in stats.dropped.
void SpawnArrivals(const RunShared& shared, Shard& shard, int shard_count);

/// Logs an exception that escaped a coroutine; the run goes on.
void LogCoroutineFailure(const char* what, std::exception_ptr error);

}  // namespace flagmeter::load
