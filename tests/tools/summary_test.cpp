#include "load/summary.hpp"

#include <gtest/gtest.h>

namespace flagmeter::load {
namespace {

RunStats StatsWith(int ok_requests, int failed_requests, std::uint64_t micros) {
  RunStats stats;
  for (int i = 0; i < ok_requests; ++i) {
    stats.RecordRequest(Endpoint::kPostEvent, 201, micros);
    stats.RecordCheckGroup(stats.RecordCheck("event status is 201", true));
  }
  for (int i = 0; i < failed_requests; ++i) {
    stats.RecordRequest(Endpoint::kPostEvent, 503, micros);
    stats.RecordCheckGroup(stats.RecordCheck("event status is 201", false));
  }
  return stats;
}

// The original k6 script's result block, exactly, at the top of the summary.
TEST(Summary, StartsWithTheSeedGuidesBlockLineForLine) {
  const RunStats stats = StatsWith(100, 0, 5000);
  const std::string text = FormatSummary(stats, 10.0, EvaluateThresholds(stats));
  const std::string block =
      "\n"
      "========================================\n"
      "FlagMeter Load Test Results\n"
      "========================================\n"
      "Total Requests: 100\n"
      "Average RPS: 10.00\n"
      "P95 Latency: 5.00ms\n"
      "P99 Latency: 5.00ms\n"
      "Error Rate: 0.00%\n"
      "========================================\n"
      "\n"
      "P99 Target: ≤ 200ms\n"
      "P99 Result: ✓ PASS\n"
      "\n";
  EXPECT_EQ(text.substr(0, block.size()), block);
  EXPECT_EQ(text.find("WARNING"), std::string::npos);
  EXPECT_NE(text.find("P99.9 Latency"), std::string::npos);
  EXPECT_NE(text.find("201=100"), std::string::npos);
}

TEST(Summary, SlowRunFailsTheP99TargetWithTheSeedsWarning) {
  const RunStats stats = StatsWith(100, 0, 600'000);
  const auto thresholds = EvaluateThresholds(stats);
  EXPECT_FALSE(AllPassed(thresholds));
  const std::string text = FormatSummary(stats, 1.0, thresholds);
  const std::size_t result = text.find("P99 Result: ✗ FAIL\n\nWARNING: P99 latency (");
  ASSERT_NE(result, std::string::npos) << text;
  EXPECT_NE(text.find("ms) exceeds target (200ms)\n", result), std::string::npos) << text;
}

TEST(Summary, ErrorAndFailureRatesDriveTheirThresholds) {
  const RunStats stats = StatsWith(90, 10, 1000);
  EXPECT_DOUBLE_EQ(stats.ErrorRate(), 0.1);
  EXPECT_DOUBLE_EQ(stats.FailedRate(), 0.1);
  const auto thresholds = EvaluateThresholds(stats);
  EXPECT_TRUE(thresholds[0].passed);
  EXPECT_FALSE(thresholds[2].passed);  // errors rate<0.1
  EXPECT_FALSE(thresholds[3].passed);  // http_req_failed rate<0.05
}

TEST(Summary, JsonCarriesCountsAndConservation) {
  RunStats stats = StatsWith(3, 1, 2000);
  stats.RecordRequest(Endpoint::kGetUsage, 0, 1000);
  stats.RecordFailure("connect: Connection refused");
  ConservationResult conservation;
  conservation.checked = true;
  conservation.tenants = Balance({"a"}, {}, {{"a", 5}}, {{"a", 5}});
  const auto json = ResultsJson(Options{}, stats, 2.0, EvaluateThresholds(stats), conservation);
  EXPECT_EQ(json["total_requests"], 5);
  EXPECT_EQ(json["status_counts"]["201"], 3);
  EXPECT_EQ(json["status_counts"]["0"], 1);
  EXPECT_EQ(json["errors"], 1);
  EXPECT_EQ(json["no_answer_reasons"]["connect: Connection refused"], 1);
  EXPECT_EQ(json["conservation"]["passed"], true);
  EXPECT_DOUBLE_EQ(json["latency_get_usage"]["max_ms"].get<double>(), 1.0);
}

TEST(RunStats, MergeSumsShards) {
  RunStats a = StatsWith(2, 0, 1000);
  a.acknowledged_tokens["t"] = 10;
  RunStats b = StatsWith(1, 1, 3000);
  b.acknowledged_tokens["t"] = 5;
  b.dropped = 4;
  a.Merge(b);
  EXPECT_EQ(a.requests, 4u);
  EXPECT_EQ(a.failed_groups, 1u);
  EXPECT_EQ(a.acknowledged_tokens["t"], 15);
  EXPECT_EQ(a.dropped, 4u);
  EXPECT_EQ(a.checks["event status is 201"].passes, 3u);
  EXPECT_EQ(a.all.max(), 3000u);
}

}  // namespace
}  // namespace flagmeter::load
