#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "load/latency_histogram.hpp"

namespace flagmeter::load {

/// Which request of an iteration a sample belongs to.
enum class Endpoint { kPostEvent, kGetUsage };

/// Passes and failures of one named check (k6 `check`).
struct CheckCount {
  std::uint64_t passes = 0;
  std::uint64_t fails = 0;
};

/// Counters another thread may read while a shard runs (progress lines).
struct LiveCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<int> active_vus{0};
};

/// What one shard (one io thread) saw. Thread-compatible: each shard owns
/// one and they are merged after the run.
struct RunStats {
  LatencyHistogram all;    // every request (k6 http_req_duration)
  LatencyHistogram post;   // POST /api/events
  LatencyHistogram usage;  // GET /api/usage/:tenant
  std::map<int, std::uint64_t> status_counts;  // 0: no answer (connect/read/write error, timeout)
  std::map<std::string, CheckCount, std::less<>> checks;  // looked up by the literal names without a copy
  std::uint64_t requests = 0;
  std::uint64_t failed_requests = 0;  // no answer or status >= 400 (k6 http_req_failed)
  std::uint64_t check_groups = 0;     // one per request: the custom "errors" Rate
  std::uint64_t failed_groups = 0;    // a group with any failed check
  std::uint64_t iterations = 0;
  std::uint64_t dropped = 0;          // open loop: arrivals with no free connection
  std::uint64_t acknowledged_events = 0;
  std::map<std::string, std::int64_t> acknowledged_tokens;  // per tenant name, 201 only
  std::map<std::string, std::uint64_t> failures;  // why requests got no answer; at most kMaxFailureKinds kinds

  static constexpr std::size_t kMaxFailureKinds = 16;

  /// Records one answered (or failed) request and its latency.
  void RecordRequest(Endpoint endpoint, int status, std::uint64_t micros);
  /// Records why a request got no answer ("connect: Connection refused").
  void RecordFailure(const std::string& what);
  /// Records one check; returns `passed`.
  bool RecordCheck(std::string_view name, bool passed);
  /// Records the outcome of a request's checks as one sample of the error rate.
  void RecordCheckGroup(bool all_passed);
  void Merge(const RunStats& other);

  double ErrorRate() const { return check_groups ? static_cast<double>(failed_groups) / check_groups : 0.0; }
  double FailedRate() const { return requests ? static_cast<double>(failed_requests) / requests : 0.0; }
};

}  // namespace flagmeter::load
