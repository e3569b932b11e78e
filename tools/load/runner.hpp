#pragma once

#include <atomic>

#include <boost/asio/ip/tcp.hpp>

#include "load/options.hpp"
#include "load/run_stats.hpp"
#include "load/workload.hpp"

namespace flagmeter::load {

/// What a finished run saw.
struct RunOutcome {
  RunStats stats;
  double elapsed_seconds = 0;  // from start until the last iteration ended
  bool interrupted = false;    // `stop` was set before the profile ended
};

/// Runs the load the options describe against `endpoint` on
/// options.threads io threads (created and joined here), printing a progress
/// line to stderr every options.progress_interval. Returns when the profile
/// (or the --rate duration) has ended and every iteration has finished, or
/// soon after `stop` becomes true. Blocking.
RunOutcome RunLoad(const Options& options, const Workload& workload, const boost::asio::ip::tcp::endpoint& endpoint,
                   const std::atomic<bool>& stop);

}  // namespace flagmeter::load
