#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "load/conservation.hpp"
#include "load/options.hpp"
#include "load/run_stats.hpp"

namespace flagmeter::load {

/// The seed's P99 target, printed as "P99 Target: ≤ 200ms".
inline constexpr double kP99TargetMs = 200;

/// One of the seed's k6 thresholds and how the run fared.
struct ThresholdResult {
  std::string metric;  // "http_req_duration", "errors", "http_req_failed"
  std::string rule;    // "p(95)<200"
  double value = 0;    // the measured value (ms, or a rate in 0..1)
  bool passed = false;
};

/// p95<200 ms, p99<500 ms (all requests), error rate<10 % (failed check
/// groups), failed requests<5 % (no answer or status >= 400).
std::vector<ThresholdResult> EvaluateThresholds(const RunStats& stats);
bool AllPassed(const std::vector<ThresholdResult>& thresholds);

/// The summary block: the seed's lines (Total Requests, Average RPS, P95,
/// P99, Error Rate, P99 Target, P99 Result) followed by percentiles, status
/// counts, checks and thresholds.
std::string FormatSummary(const RunStats& stats, double elapsed_seconds,
                          const std::vector<ThresholdResult>& thresholds);

/// Everything as one JSON document (written by --json).
nlohmann::json ResultsJson(const Options& options, const RunStats& stats, double elapsed_seconds,
                           const std::vector<ThresholdResult>& thresholds, const ConservationResult& conservation);

}  // namespace flagmeter::load
