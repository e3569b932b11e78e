#pragma once

#include <chrono>
#include <random>

#include <boost/asio/awaitable.hpp>

#include "load/http_connection.hpp"
#include "load/options.hpp"
#include "load/run_stats.hpp"
#include "load/workload.hpp"

namespace flagmeter::load {

using Clock = std::chrono::steady_clock;

/// What one iteration needs. All references outlive the iteration; all of
/// them belong to one shard (one io thread), so nothing here is shared
/// across threads except the atomics in `live`.
struct IterationContext {
  const Options& options;
  const Workload& workload;
  HttpConnection& connection;
  std::mt19937_64& rng;
  RunStats& stats;
  LiveCounters& live;
};

/// One iteration of the seed's script: POST an event (checked), then with
/// probability options.usage_probability GET the same tenant's usage
/// (checked). The POST's latency counts from `intended_start` (the open
/// loop's schedule; the closed loop passes now), the GET's from its own
/// send. Records everything in ctx.stats. Does not sleep.
boost::asio::awaitable<void> RunIteration(IterationContext& ctx, Clock::time_point intended_start);

}  // namespace flagmeter::load
