#pragma once

#include <atomic>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "flagmeter/core/status.hpp"
#include "load/conservation.hpp"
#include "load/profile.hpp"
#include "load/workload.hpp"

namespace flagmeter::load {

/// How to reach the service for the bookkeeping requests around a run.
struct ServiceProbe {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host_header;
  const Workload& workload;
  Millis request_timeout;
};

/// Each tenant's totalTokens from GET /api/usage/<tenant> (404: 0). Fails
/// with the tenant, status and body when an answer is anything else, or
/// when the service cannot be reached. Blocking.
Result<TokenTotals> ReadUsageTotals(const ServiceProbe& probe);

/// After the load: polls GET /metrics until flagmeter_queue_depth and
/// flagmeter_queue_inflight are 0, and each tenant's usage until it equals
/// before + acknowledged. Decides "mismatch" only once the queue is drained
/// (or /metrics lacks the gauges) and usage has not changed for a while,
/// and gives up after `timeout` or when `give_up` is set. Blocking.
ConservationResult AwaitConservation(const ServiceProbe& probe, const TokenTotals& before,
                                     const TokenTotals& acknowledged, Millis timeout,
                                     const std::atomic<bool>& give_up);

}  // namespace flagmeter::load
