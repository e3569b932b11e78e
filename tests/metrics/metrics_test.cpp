#include "flagmeter/metrics/metrics.hpp"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace flagmeter {
namespace {

// The value of the sample line that starts with `series` (name plus labels,
// exactly as the text format writes them), or nullopt when there is none.
std::optional<double> SampleValue(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

bool HasLine(const std::string& text, const std::string& wanted) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line == wanted) return true;
  }
  return false;
}

TEST(Metrics, SerializeDeclaresEverySeriesWithItsType) {
  Metrics metrics;
  metrics.ObserveRequest("GET", "/api/health", 200, 0.001);
  const std::string text = metrics.Serialize();

  const std::vector<std::pair<std::string, std::string>> expected = {
      {"flagmeter_queue_depth", "gauge"},
      {"flagmeter_queue_inflight", "gauge"},
      {"flagmeter_http_requests_total", "counter"},
      {"flagmeter_http_request_duration_seconds", "histogram"},
      {"flagmeter_events_accepted_total", "counter"},
      {"flagmeter_events_persisted_total", "counter"},
      {"flagmeter_events_duplicate_total", "counter"},
      {"flagmeter_store_insert_reruns_total", "counter"},
      {"flagmeter_events_dead_lettered_total", "counter"},
      {"flagmeter_worker_batch_size", "histogram"},
      {"flagmeter_ingest_lag_seconds", "histogram"},
      {"flagmeter_alerts_sent_total", "counter"},
      {"flagmeter_alerts_failed_total", "counter"},
      {"flagmeter_alerts_refused_total", "counter"},
  };
  for (const auto& [name, type] : expected) {
    EXPECT_TRUE(HasLine(text, "# TYPE " + name + " " + type)) << name << " in:\n" << text;
  }
}

TEST(Metrics, ReferencesFeedTheirSeries) {
  Metrics metrics;
  metrics.queue_depth.Set(42);
  metrics.events_persisted.Increment(7);
  metrics.events_dead_lettered(DeadLetterReason::kRefused).Increment();
  metrics.alerts_failed.Increment(2);
  metrics.worker_batch_size.Observe(100);
  metrics.ingest_lag_seconds.Observe(0.2);
  const std::string text = metrics.Serialize();

  EXPECT_EQ(SampleValue(text, "flagmeter_queue_depth"), 42);
  EXPECT_EQ(SampleValue(text, "flagmeter_events_persisted_total"), 7);
  EXPECT_EQ(SampleValue(text, "flagmeter_events_dead_lettered_total{reason=\"refused\"}"), 1);
  EXPECT_EQ(SampleValue(text, "flagmeter_events_dead_lettered_total{reason=\"undecodable\"}"), 0);
  EXPECT_EQ(SampleValue(text, "flagmeter_alerts_failed_total"), 2);
  EXPECT_EQ(SampleValue(text, "flagmeter_alerts_sent_total"), 0);
  EXPECT_EQ(SampleValue(text, "flagmeter_events_duplicate_total"), 0);
  EXPECT_EQ(SampleValue(text, "flagmeter_worker_batch_size_bucket{le=\"50\"}"), 0);
  EXPECT_EQ(SampleValue(text, "flagmeter_worker_batch_size_bucket{le=\"100\"}"), 1);
  EXPECT_EQ(SampleValue(text, "flagmeter_ingest_lag_seconds_bucket{le=\"0.25\"}"), 1);
  EXPECT_EQ(SampleValue(text, "flagmeter_ingest_lag_seconds_bucket{le=\"60\"}"), 1);
}

// The dashboard and the alert split dead letters by reason: the label takes
// only the fixed values, and each series exists (at 0) before any event, so
// sum() and rate() over the family have data from the first scrape.
TEST(Metrics, DeadLetteredHasAFixedReasonSetExportedAtZero) {
  Metrics metrics;
  std::map<std::string, double> samples;
  std::istringstream lines(metrics.Serialize());
  const std::string name = "flagmeter_events_dead_lettered_total";
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, name.size(), name) != 0) continue;
    const std::size_t space = line.rfind(' ');
    samples[line.substr(name.size(), space - name.size())] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  const std::map<std::string, double> expected = {{"{reason=\"refused\"}", 0},
                                                  {"{reason=\"undecodable\"}", 0}};
  EXPECT_EQ(samples, expected);

  metrics.events_dead_lettered(DeadLetterReason::kUndecodable).Increment();
  EXPECT_EQ(metrics.events_dead_lettered(DeadLetterReason::kUndecodable).Value(), 1);
  EXPECT_EQ(metrics.events_dead_lettered(DeadLetterReason::kRefused).Value(), 0);
  EXPECT_EQ(SampleValue(metrics.Serialize(), name + "{reason=\"undecodable\"}"), 1);
}

TEST(Metrics, HistogramBucketsSpanTheDocumentedRanges) {
  Metrics metrics;
  metrics.ObserveRequest("GET", "/api/health", 200, 0.0001);
  const std::string text = metrics.Serialize();
  const std::string duration =
      "flagmeter_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/health\",le=";
  EXPECT_EQ(SampleValue(text, duration + "\"0.0005\"}"), 1);
  EXPECT_EQ(SampleValue(text, duration + "\"2.5\"}"), 1);
  // BATCH_SIZE's default and its largest value.
  EXPECT_TRUE(SampleValue(text, "flagmeter_worker_batch_size_bucket{le=\"2000\"}").has_value());
  EXPECT_TRUE(SampleValue(text, "flagmeter_worker_batch_size_bucket{le=\"10000\"}").has_value());
  EXPECT_TRUE(SampleValue(text, "flagmeter_ingest_lag_seconds_bucket{le=\"0.005\"}").has_value());
}

TEST(Metrics, ObserveRequestCountsPerLabelSet) {
  Metrics metrics;
  metrics.ObserveRequest("GET", "/api/usage/:tenant", 200, 0.002);
  metrics.ObserveRequest("GET", "/api/usage/:tenant", 200, 0.004);
  metrics.ObserveRequest("GET", "/api/usage/:tenant", 404, 0.001);
  metrics.ObserveRequest("POST", "/api/events", 201, 3.0);
  const std::string text = metrics.Serialize();

  EXPECT_EQ(SampleValue(text,
                        "flagmeter_http_requests_total{method=\"GET\",route=\"/api/usage/"
                        ":tenant\",status=\"200\"}"),
            2);
  EXPECT_EQ(SampleValue(text,
                        "flagmeter_http_requests_total{method=\"GET\",route=\"/api/usage/"
                        ":tenant\",status=\"404\"}"),
            1);
  EXPECT_EQ(SampleValue(text,
                        "flagmeter_http_requests_total{method=\"POST\",route=\"/api/"
                        "events\",status=\"201\"}"),
            1);
  EXPECT_FALSE(SampleValue(text,
                           "flagmeter_http_requests_total{method=\"POST\",route=\"/api/"
                           "events\",status=\"200\"}")
                   .has_value());

  // Duration is labelled by method and route only: both GET statuses share it.
  const std::string usage = "{method=\"GET\",route=\"/api/usage/:tenant\"}";
  EXPECT_EQ(SampleValue(text, "flagmeter_http_request_duration_seconds_count" + usage), 3);
  const auto sum = SampleValue(text, "flagmeter_http_request_duration_seconds_sum" + usage);
  ASSERT_TRUE(sum.has_value());
  EXPECT_NEAR(*sum, 0.007, 1e-9);
  // 3 s is above the last bucket: counted, but only in +Inf.
  const std::string events =
      "flagmeter_http_request_duration_seconds_bucket{method=\"POST\","
      "route=\"/api/events\",le=";
  EXPECT_EQ(SampleValue(text, events + "\"2.5\"}"), 0);
  EXPECT_EQ(SampleValue(text, events + "\"+Inf\"}"), 1);
}

TEST(Metrics, ObserveRequestAcceptsLongLabelValues) {
  Metrics metrics;
  const std::string long_route(500, 'r');
  metrics.ObserveRequest("GET", long_route, 200, 0.01);
  metrics.ObserveRequest("GET", long_route, 200, 0.01);
  const std::string text = metrics.Serialize();
  EXPECT_EQ(SampleValue(text, "flagmeter_http_requests_total{method=\"GET\",route=\"" + long_route +
                                  "\",status=\"200\"}"),
            2);
}

TEST(Metrics, ConcurrentObserveRequestCountsExactly) {
  Metrics metrics;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  const std::vector<int> statuses = {200, 201, 400, 404};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, &statuses] {
      for (int i = 0; i < kPerThread; ++i) {
        metrics.ObserveRequest("POST", "/api/events", statuses[i % statuses.size()], 0.001);
      }
    });
  }
  for (auto& thread : threads) thread.join();

  const std::string text = metrics.Serialize();
  const double per_status = static_cast<double>(kThreads) * kPerThread / statuses.size();
  for (int status : statuses) {
    EXPECT_EQ(SampleValue(text,
                          "flagmeter_http_requests_total{method=\"POST\",route=\"/api/"
                          "events\",status=\"" +
                              std::to_string(status) + "\"}"),
              per_status)
        << status;
  }
  EXPECT_EQ(SampleValue(text,
                        "flagmeter_http_request_duration_seconds_count{method=\"POST\","
                        "route=\"/api/events\"}"),
            static_cast<double>(kThreads) * kPerThread);
}

TEST(Metrics, InstancesAreIndependent) {
  Metrics first;
  Metrics second;
  first.ObserveRequest("GET", "/api/health", 200, 0.001);
  first.events_accepted.Increment(3);
  EXPECT_EQ(SampleValue(second.Serialize(), "flagmeter_events_accepted_total"), 0);
  EXPECT_FALSE(SampleValue(second.Serialize(),
                           "flagmeter_http_requests_total{method=\"GET\","
                           "route=\"/api/health\",status=\"200\"}")
                   .has_value());
  EXPECT_EQ(SampleValue(first.Serialize(), "flagmeter_events_accepted_total"), 3);
}

TEST(Metrics, ObserveRequestLabelsUnknownMethodsOther) {
  Metrics metrics;
  metrics.ObserveRequest("PATCH", "other", 404, 0.001);
  for (int i = 0; i < 100; ++i) metrics.ObserveRequest("M" + std::to_string(i), "other", 404, 0.001);
  metrics.ObserveRequest("get", "other", 404, 0.001);  // methods are case-sensitive
  const std::string text = metrics.Serialize();
  EXPECT_EQ(SampleValue(text, "flagmeter_http_requests_total{method=\"PATCH\",route=\"other\",status=\"404\"}"), 1);
  EXPECT_EQ(SampleValue(text, "flagmeter_http_requests_total{method=\"other\",route=\"other\",status=\"404\"}"), 101);
  EXPECT_EQ(text.find("method=\"M1\""), std::string::npos);
  EXPECT_EQ(text.find("method=\"get\""), std::string::npos);
}

}  // namespace
}  // namespace flagmeter
