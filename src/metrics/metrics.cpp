#include "flagmeter/metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace flagmeter {
namespace {

const prometheus::Histogram::BucketBoundaries kRequestDurationBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
const prometheus::Histogram::BucketBoundaries kBatchSizeBuckets = {1, 10, 50, 100, 250, 500, 750, 1000, 2500};
const prometheus::Histogram::BucketBoundaries kIngestLagBuckets = {0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,
                                                                   1.0,   2.5,  5.0,   10.0, 30.0, 60.0};

prometheus::Gauge& AddGauge(prometheus::Registry& registry, const std::string& name,
                            const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Counter& AddCounter(prometheus::Registry& registry, const std::string& name,
                                const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Histogram& AddHistogram(prometheus::Registry& registry, const std::string& name,
                                    const std::string& help,
                                    const prometheus::Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({}, buckets);
}

// Heterogeneous lookup, so the hot path probes the map with a string_view over
// a stack buffer instead of allocating a std::string per request.
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

struct RequestSeries {
  prometheus::Counter* requests = nullptr;
  prometheus::Histogram* duration = nullptr;
};

// Every series, owned by one registry. Built before Metrics::impl_ exists
// (Metrics' reference members are initialised first), hence a plain type.
struct Series {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  prometheus::Gauge& queue_depth =
      AddGauge(*registry, "flagmeter_queue_depth", "Events waiting in the Valkey list.");
  prometheus::Gauge& queue_inflight =
      AddGauge(*registry, "flagmeter_queue_inflight", "Events taken by workers, not yet committed.");
  prometheus::Counter& events_accepted =
      AddCounter(*registry, "flagmeter_events_accepted_total", "Events answered 201, re-sends included.");
  prometheus::Counter& events_persisted =
      AddCounter(*registry, "flagmeter_events_persisted_total", "Events committed to PostgreSQL.");
  prometheus::Counter& events_duplicate =
      AddCounter(*registry, "flagmeter_events_duplicate_total", "Events dropped as already counted.");
  prometheus::Counter& events_dead_lettered =
      AddCounter(*registry, "flagmeter_events_dead_lettered_total",
                 "Events that could not be stored and were set aside.");
  prometheus::Histogram& worker_batch_size = AddHistogram(*registry, "flagmeter_worker_batch_size",
                                                          "Events per committed batch.", kBatchSizeBuckets);
  prometheus::Histogram& ingest_lag_seconds =
      AddHistogram(*registry, "flagmeter_ingest_lag_seconds", "Seconds from an event's 201 to its commit.",
                   kIngestLagBuckets);
  prometheus::Counter& alerts_sent = AddCounter(*registry, "flagmeter_alerts_sent_total",
                                                "Threshold alert webhooks delivered (2xx answer).");
  prometheus::Counter& alerts_failed = AddCounter(*registry, "flagmeter_alerts_failed_total",
                                                  "Threshold alert webhooks given up on after every try failed.");

  prometheus::Family<prometheus::Counter>& http_requests =
      prometheus::BuildCounter()
          .Name("flagmeter_http_requests_total")
          .Help("HTTP requests answered, by method, route pattern and status.")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& http_duration =
      prometheus::BuildHistogram()
          .Name("flagmeter_http_request_duration_seconds")
          .Help("Seconds to answer an HTTP request, by method and route pattern.")
          .Register(*registry);

  // Label sets seen so far. Entries are never removed, and label values come
  // from small fixed sets, so the map stays small and the read path is a
  // shared lock plus one hash probe.
  std::shared_mutex cache_mu;
  std::unordered_map<std::string, RequestSeries, KeyHash, std::equal_to<>> cache;  // guarded by cache_mu
};

// Holds the Series between the initialisation of the first reference member
// and that of impl_ in Metrics' constructor (which runs on one thread).
thread_local std::unique_ptr<Series> t_building;

Series& StartBuilding() {
  t_building = std::make_unique<Series>();
  return *t_building;
}

Series& Building() { return *t_building; }

// The cache key "method\x1froute\x1fstatus", written into `buffer` when it
// fits (the usual case), else into `spill`.
std::string_view MakeKey(std::string_view method, std::string_view route, int status,
                         std::array<char, 192>& buffer, std::string& spill) {
  char digits[16];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), status);
  std::string_view status_text(digits, ec == std::errc() ? end - digits : 0);
  const std::size_t size = method.size() + route.size() + status_text.size() + 2;
  char* out = buffer.data();
  if (size > buffer.size()) {
    spill.resize(size);
    out = spill.data();
  }
  char* p = out;
  p = std::copy(method.begin(), method.end(), p);
  *p++ = '\x1f';
  p = std::copy(route.begin(), route.end(), p);
  *p++ = '\x1f';
  std::copy(status_text.begin(), status_text.end(), p);
  return {out, size};
}

RequestSeries AddRequestSeries(Series& series, std::string_view method, std::string_view route, int status) {
  const std::string method_label(method);
  const std::string route_label(route);
  RequestSeries result;
  result.requests = &series.http_requests.Add(
      {{"method", method_label}, {"route", route_label}, {"status", std::to_string(status)}});
  // Family::Add returns the existing histogram when (method, route) was
  // already added for another status.
  result.duration =
      &series.http_duration.Add({{"method", method_label}, {"route", route_label}}, kRequestDurationBuckets);
  return result;
}

}  // namespace

struct Metrics::Impl {
  std::unique_ptr<Series> series;
};

Metrics::Metrics()
    : queue_depth(StartBuilding().queue_depth),
      queue_inflight(Building().queue_inflight),
      events_accepted(Building().events_accepted),
      events_persisted(Building().events_persisted),
      events_duplicate(Building().events_duplicate),
      events_dead_lettered(Building().events_dead_lettered),
      worker_batch_size(Building().worker_batch_size),
      ingest_lag_seconds(Building().ingest_lag_seconds),
      alerts_sent(Building().alerts_sent),
      alerts_failed(Building().alerts_failed),
      impl_(std::make_unique<Impl>(Impl{std::move(t_building)})) {}

Metrics::~Metrics() = default;

void Metrics::ObserveRequest(std::string_view method, std::string_view route, int status, double seconds) {
  Series& series = *impl_->series;
  std::array<char, 192> buffer;
  std::string spill;
  const std::string_view key = MakeKey(method, route, status, buffer, spill);

  RequestSeries found;
  {
    std::shared_lock lock(series.cache_mu);
    auto it = series.cache.find(key);
    if (it != series.cache.end()) found = it->second;
  }
  if (found.requests == nullptr) {
    std::unique_lock lock(series.cache_mu);
    auto it = series.cache.find(key);
    if (it == series.cache.end()) {
      it = series.cache.emplace(std::string(key), AddRequestSeries(series, method, route, status)).first;
    }
    found = it->second;
  }
  found.requests->Increment();
  found.duration->Observe(seconds);
}

std::string Metrics::Serialize() const {
  return prometheus::TextSerializer().Serialize(impl_->series->registry->Collect());
}

}  // namespace flagmeter
