#include "load/summary.hpp"

#include <cstdio>

namespace flagmeter::load {
namespace {

double Ms(std::uint64_t micros) { return static_cast<double>(micros) / 1000.0; }

std::string Line(const char* format, auto... args) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, format, args...);
  return buffer;
}

nlohmann::json LatencyJson(const LatencyHistogram& h) {
  return {{"count", h.count()},
          {"avg_ms", h.Mean() / 1000.0},
          {"min_ms", Ms(h.min())},
          {"p50_ms", Ms(h.Percentile(0.50))},
          {"p90_ms", Ms(h.Percentile(0.90))},
          {"p95_ms", Ms(h.Percentile(0.95))},
          {"p99_ms", Ms(h.Percentile(0.99))},
          {"p99_9_ms", Ms(h.Percentile(0.999))},
          {"max_ms", Ms(h.max())}};
}

nlohmann::json OptionsJson(const Options& o) {
  nlohmann::json stages = nlohmann::json::array();
  for (const Stage& stage : o.profile.stages) stages.push_back({{"duration_ms", stage.duration.count()}, {"target", stage.target}});
  return {{"base_url", o.base_url_text}, {"profile", o.profile_name},     {"start_vus", o.profile.start_vus},
          {"stages", stages},            {"rate", o.rate},                {"rate_duration_ms", o.rate_duration.count()},
          {"threads", o.threads},        {"seed", o.seed},                {"tenant_prefix", o.tenant_prefix},
          {"tenants", o.tenants},        {"features", o.features},        {"usage_ratio", o.usage_probability}};
}

std::string DetailLines(const RunStats& stats) {
  std::string out;
  const LatencyHistogram& all = stats.all;
  out += Line("P50 Latency: %.2fms   P99.9 Latency: %.2fms   Max Latency: %.2fms   Avg: %.2fms\n",
              Ms(all.Percentile(0.5)), Ms(all.Percentile(0.999)), Ms(all.max()), all.Mean() / 1000.0);
  out += Line("Iterations: %llu   Events acknowledged (201): %llu   Dropped arrivals: %llu\n",
              static_cast<unsigned long long>(stats.iterations), static_cast<unsigned long long>(stats.acknowledged_events),
              static_cast<unsigned long long>(stats.dropped));
  out += "Status counts:";
  for (const auto& [status, count] : stats.status_counts) {
    out += Line(" %s=%llu", status == 0 ? "no-answer" : std::to_string(status).c_str(), static_cast<unsigned long long>(count));
  }
  out += "\n";
  for (const auto& [what, count] : stats.failures) {
    out += Line("  no answer: %s (%llu)\n", what.c_str(), static_cast<unsigned long long>(count));
  }
  for (const auto& [name, count] : stats.checks) {
    out += Line("Check %-26s %s passes %llu, fails %llu\n", (name + ":").c_str(), count.fails ? "✗" : "✓",
                static_cast<unsigned long long>(count.passes), static_cast<unsigned long long>(count.fails));
  }
  return out;
}

}  // namespace

std::vector<ThresholdResult> EvaluateThresholds(const RunStats& stats) {
  const double p95 = Ms(stats.all.Percentile(0.95));
  const double p99 = Ms(stats.all.Percentile(0.99));
  return {
      {"http_req_duration", "p(95)<200", p95, p95 < 200},
      {"http_req_duration", "p(99)<500", p99, p99 < 500},
      {"errors", "rate<0.1", stats.ErrorRate(), stats.ErrorRate() < 0.1},
      {"http_req_failed", "rate<0.05", stats.FailedRate(), stats.FailedRate() < 0.05},
  };
}

bool AllPassed(const std::vector<ThresholdResult>& thresholds) {
  for (const ThresholdResult& t : thresholds) {
    if (!t.passed) return false;
  }
  return true;
}

std::string FormatSummary(const RunStats& stats, double elapsed_seconds, const std::vector<ThresholdResult>& thresholds) {
  // The original k6 script's block, line for line (infra/load-test/load.js
  // prints the same), then what flagmeter-load adds.
  static constexpr const char* kRule = "========================================\n";
  const double p99 = Ms(stats.all.Percentile(0.99));
  std::string out = "\n";
  out += kRule;
  out += "FlagMeter Load Test Results\n";
  out += kRule;
  out += Line("Total Requests: %llu\n", static_cast<unsigned long long>(stats.requests));
  out += Line("Average RPS: %.2f\n", elapsed_seconds > 0 ? stats.requests / elapsed_seconds : 0.0);
  out += Line("P95 Latency: %.2fms\n", Ms(stats.all.Percentile(0.95)));
  out += Line("P99 Latency: %.2fms\n", p99);
  out += Line("Error Rate: %.2f%%\n", stats.ErrorRate() * 100);
  out += kRule;
  out += Line("\nP99 Target: ≤ %.0fms\n", kP99TargetMs);
  out += p99 <= kP99TargetMs ? "P99 Result: ✓ PASS\n" : "P99 Result: ✗ FAIL\n";
  if (p99 > kP99TargetMs) {
    out += Line("\nWARNING: P99 latency (%.2fms) exceeds target (%.0fms)\n", p99, kP99TargetMs);
  }
  out += Line("\nDuration: %.1fs   Failed requests: %.2f%%\n", elapsed_seconds, stats.FailedRate() * 100);
  out += DetailLines(stats);
  for (const ThresholdResult& t : thresholds) {
    const bool is_rate = t.metric != "http_req_duration";
    out += Line("Threshold %-18s %-10s %s (%.*f%s)\n", t.metric.c_str(), t.rule.c_str(), t.passed ? "✓" : "✗",
                is_rate ? 4 : 2, t.value, is_rate ? "" : "ms");
  }
  return out;
}

nlohmann::json ResultsJson(const Options& options, const RunStats& stats, double elapsed_seconds,
                           const std::vector<ThresholdResult>& thresholds, const ConservationResult& conservation) {
  nlohmann::json statuses = nlohmann::json::object();
  for (const auto& [status, count] : stats.status_counts) statuses[std::to_string(status)] = count;
  nlohmann::json checks = nlohmann::json::object();
  for (const auto& [name, count] : stats.checks) checks[name] = {{"passes", count.passes}, {"fails", count.fails}};
  nlohmann::json limits = nlohmann::json::array();
  for (const ThresholdResult& t : thresholds) {
    limits.push_back({{"metric", t.metric}, {"rule", t.rule}, {"value", t.value}, {"passed", t.passed}});
  }
  const double p99 = Ms(stats.all.Percentile(0.99));
  return {{"options", OptionsJson(options)},
          {"duration_seconds", elapsed_seconds},
          {"total_requests", stats.requests},
          {"average_rps", elapsed_seconds > 0 ? stats.requests / elapsed_seconds : 0.0},
          {"iterations", stats.iterations},
          {"dropped_iterations", stats.dropped},
          {"error_rate", stats.ErrorRate()},
          {"errors", stats.failed_groups},
          {"failed_requests", stats.failed_requests},
          {"http_req_failed_rate", stats.FailedRate()},
          {"acknowledged_events", stats.acknowledged_events},
          {"latency", LatencyJson(stats.all)},
          {"latency_post_event", LatencyJson(stats.post)},
          {"latency_get_usage", LatencyJson(stats.usage)},
          {"status_counts", statuses},
          {"no_answer_reasons", stats.failures},
          {"checks", checks},
          {"thresholds", limits},
          {"p99_target_ms", kP99TargetMs},
          {"p99_pass", p99 <= kP99TargetMs},
          {"conservation", ConservationJson(conservation)}};
}

}  // namespace flagmeter::load
