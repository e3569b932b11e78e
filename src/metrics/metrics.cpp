#include "flagmeter/metrics/metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/core/valkey_cluster_counters.hpp"

namespace flagmeter {
namespace {

const prometheus::Histogram::BucketBoundaries kRequestDurationBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
// Up to BATCH_SIZE's largest value; 2000, its default, marks full batches (a backlog).
const prometheus::Histogram::BucketBoundaries kBatchSizeBuckets = {1,    10,   50,   100,  250,
                                                                   500,  750,  1000, 2000, 5000, 10000};
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

// The `reason` label of each DeadLetterReason, in the enum's order.
constexpr std::array<const char*, 2> kDeadLetterReasonLabels = {"undecodable", "refused"};
static_assert(static_cast<std::size_t>(DeadLetterReason::kRefused) + 1 == kDeadLetterReasonLabels.size(),
              "one label per DeadLetterReason");

using PerReasonCounters = std::array<prometheus::Counter*, kDeadLetterReasonLabels.size()>;

// Adds every reason's counter at once, so each is exported at 0 before its
// first event and sum() and rate() over the family see every series.
PerReasonCounters AddPerReasonCounters(prometheus::Registry& registry, const std::string& name,
                                       const std::string& help) {
  auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(registry);
  PerReasonCounters counters{};
  for (std::size_t i = 0; i < counters.size(); ++i) {
    counters[i] = &family.Add({{"reason", kDeadLetterReasonLabels[i]}});
  }
  return counters;
}

using PerReasonGauges = std::array<prometheus::Gauge*, kDeadLetterReasonLabels.size()>;

PerReasonGauges AddPerReasonGauges(prometheus::Registry& registry, const std::string& name, const std::string& help) {
  auto& family = prometheus::BuildGauge().Name(name).Help(help).Register(registry);
  PerReasonGauges gauges{};
  for (std::size_t i = 0; i < gauges.size(); ++i) gauges[i] = &family.Add({{"reason", kDeadLetterReasonLabels[i]}});
  return gauges;
}

std::array<prometheus::Counter*, kReadFallbackReasonLabels.size()> AddReadFallbackCounters(
    prometheus::Registry& registry) {
  auto& family = prometheus::BuildCounter()
                     .Name("flagmeter_database_read_fallbacks_total")
                     .Help("Times the reads meant for the hot standby moved to the primary, by reason.")
                     .Register(registry);
  std::array<prometheus::Counter*, kReadFallbackReasonLabels.size()> counters{};
  for (std::size_t i = 0; i < counters.size(); ++i) {
    counters[i] = &family.Add({{"reason", std::string(kReadFallbackReasonLabels[i])}});
  }
  return counters;
}

prometheus::Histogram& AddHistogram(prometheus::Registry& registry, const std::string& name,
                                    const std::string& help,
                                    const prometheus::Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({}, buckets);
}

// Process series in the names client libraries of other languages use
// (process_*), read from /proc/self at scrape time: a few small reads per
// scrape, nothing on the request path. A value that cannot be read is left
// out of the exposition rather than reported as 0.
struct ProcessStat {
  double cpu_seconds = 0;
  double start_ticks = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

// Fields of /proc/self/stat after the command name, which may hold spaces
// and parentheses, hence the search for the last ')'.
std::optional<ProcessStat> ReadProcessStat() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  std::vector<std::string> field;
  for (std::string token; fields >> token;) field.push_back(token);
  // field[0] is stat's field 3 (state): utime is field 14, stime 15,
  // starttime 22, vsize 23, rss 24 (in pages).
  if (field.size() < 22) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessStat stat;
  stat.cpu_seconds = (std::strtod(field[11].c_str(), nullptr) + std::strtod(field[12].c_str(), nullptr)) / ticks;
  stat.start_ticks = std::strtod(field[19].c_str(), nullptr);
  stat.virtual_bytes = std::strtod(field[20].c_str(), nullptr);
  stat.resident_bytes = std::strtod(field[21].c_str(), nullptr) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return stat;
}

// Seconds since the epoch at which this process started: the boot time
// (btime in /proc/stat) plus the start offset of /proc/self/stat.
std::optional<double> ReadProcessStartTime() {
  const std::optional<ProcessStat> stat = ReadProcessStat();
  if (!stat) return std::nullopt;
  std::ifstream in("/proc/stat");
  std::string key;
  double boot_time = 0;
  while (in >> key) {
    if (key == "btime" && in >> boot_time) {
      return boot_time + stat->start_ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

// Open file descriptors, not counting the one that reads the folder.
std::optional<double> CountOpenFds() {
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/self/fd", error);
  if (error) return std::nullopt;
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) return std::nullopt;
    ++count;
  }
  return count > 0 ? count - 1 : 0;
}

void AppendFamily(std::vector<prometheus::MetricFamily>& families, std::string name, std::string help,
                  prometheus::MetricType type, std::optional<double> value) {
  if (!value) return;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) metric.counter.value = *value;
  else metric.gauge.value = *value;
  families.push_back(prometheus::MetricFamily{std::move(name), std::move(help), type, {metric}});
}

void AppendProcessFamilies(std::vector<prometheus::MetricFamily>& families, std::optional<double> start_time) {
  using prometheus::MetricType;
  const std::optional<ProcessStat> stat = ReadProcessStat();
  rlimit limit{};
  std::optional<double> max_fds;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    max_fds = static_cast<double>(limit.rlim_cur);
  }
  AppendFamily(families, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               MetricType::Counter, stat ? std::optional(stat->cpu_seconds) : std::nullopt);
  AppendFamily(families, "process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
               stat ? std::optional(stat->resident_bytes) : std::nullopt);
  AppendFamily(families, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
               stat ? std::optional(stat->virtual_bytes) : std::nullopt);
  AppendFamily(families, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge, CountOpenFds());
  AppendFamily(families, "process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge, max_fds);
  AppendFamily(families, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
               MetricType::Gauge, start_time);
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
  prometheus::Counter& sequence_regressions =
      AddCounter(*registry, "flagmeter_events_sequence_regressions_total",
                 "Re-sent copies numbered before the stored copy although they arrived over a minute later: "
                 "acceptance numbers went backwards; the stored copy was kept.");
  prometheus::Counter& store_insert_reruns =
      AddCounter(*registry, "flagmeter_store_insert_reruns_total",
                 "Batches whose insert met an id stored already and ran again skipping stored ids "
                 "(re-sent ids; PostgreSQL logs each as a duplicate key error).");
  const PerReasonCounters events_dead_lettered =
      AddPerReasonCounters(*registry, "flagmeter_events_dead_lettered_total",
                           "Events that could not be stored and were set aside, by reason.");
  const PerReasonGauges dead_letters =
      AddPerReasonGauges(*registry, "flagmeter_events_dead_letters",
                         "Records in the dead-letter list now, by reason (sampled by the background monitor).");
  const PerReasonCounters dead_letters_dropped =
      AddPerReasonCounters(*registry, "flagmeter_events_dead_letters_dropped_total",
                           "Oldest dead-letter records dropped to keep the list within DEAD_LETTER_MAX, by reason.");
  prometheus::Histogram& worker_batch_size = AddHistogram(*registry, "flagmeter_worker_batch_size",
                                                          "Events per committed batch.", kBatchSizeBuckets);
  prometheus::Histogram& ingest_lag_seconds =
      AddHistogram(*registry, "flagmeter_ingest_lag_seconds", "Seconds from an event's 201 to its commit.",
                   kIngestLagBuckets);
  prometheus::Counter& alerts_sent = AddCounter(*registry, "flagmeter_alerts_sent_total",
                                                "Threshold alert webhooks delivered (2xx answer).");
  prometheus::Counter& alerts_failed = AddCounter(*registry, "flagmeter_alerts_failed_total",
                                                  "Threshold alert webhooks given up on after every try failed.");
  prometheus::Counter& alerts_refused =
      AddCounter(*registry, "flagmeter_alerts_refused_total",
                 "Threshold alert webhooks not sent: the host had a loopback, private or other non-public address.");
  prometheus::Counter& ledger_rows_moved =
      AddCounter(*registry, "flagmeter_ledger_rows_moved_total",
                 "Raw events moved out of the unpartitioned ledger by the ledger maintainer (those older than "
                 "RAW_EVENT_RETENTION_DAYS are deleted instead).");
  prometheus::Counter& ledger_partitions_dropped =
      AddCounter(*registry, "flagmeter_ledger_partitions_dropped_total",
                 "Raw-event partitions dropped because their last day was older than RAW_EVENT_RETENTION_DAYS.");
  prometheus::Counter& ledger_maintenance_failures =
      AddCounter(*registry, "flagmeter_ledger_maintenance_failures_total",
                 "Ledger maintenance passes that failed (tried again a period later).");

  prometheus::Gauge& database_replica_lag_seconds =
      AddGauge(*registry, "flagmeter_database_replica_lag_seconds",
               "How far the hot standby of DATABASE_READ_URL may be behind the primary, as last checked by the "
               "background monitor (+Inf: unknown; 0 without a standby).");
  prometheus::Gauge& database_read_fallback =
      AddGauge(*registry, "flagmeter_database_read_fallback",
               "1 while the reads meant for the hot standby go to the primary (it is down, not a standby, or lags "
               "beyond MAX_READ_LAG_MS); 0 while they go to it, or without a standby.");
  const std::array<prometheus::Counter*, kReadFallbackReasonLabels.size()> database_read_fallbacks =
      AddReadFallbackCounters(*registry);

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
  SharedMutex cache_mu;
  std::unordered_map<std::string, RequestSeries, KeyHash, std::equal_to<>> cache FM_GUARDED_BY(cache_mu);
};

// Holds the Series between the initialisation of the first reference member
// and that of impl_ in Metrics' constructor (which runs on one thread).
thread_local std::unique_ptr<Series> t_building;

Series& StartBuilding() {
  t_building = std::make_unique<Series>();
  return *t_building;
}

Series& Building() { return *t_building; }

// The `method` label values: RFC 9110's methods, and "other" for any other
// token. A client picks the method, so passing it through unchecked would let
// each distinct token add series (and memory) for the life of the process.
constexpr std::array<std::string_view, 9> kMethodLabels = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                           "OPTIONS", "PATCH",   "CONNECT", "TRACE"};
constexpr std::string_view kOtherMethodLabel = "other";

std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : kMethodLabels) {
    if (method == known) return known;
  }
  return kOtherMethodLabel;
}

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

// The thread groups' counts, one metric per group, labelled group="...".
void AppendThreadFamilies(std::vector<prometheus::MetricFamily>& families, const ThreadHealth& threads) {
  using prometheus::MetricType;
  prometheus::MetricFamily expected{"flagmeter_threads_expected", "Threads each group's owner started.",
                                    MetricType::Gauge, {}};
  prometheus::MetricFamily running{"flagmeter_threads_running",
                                   "Threads of each group running now (fewer than expected: /api/health is degraded).",
                                   MetricType::Gauge, {}};
  prometheus::MetricFamily restarts{"flagmeter_thread_restarts_total",
                                    "Threads restarted after an exception ended their loop.", MetricType::Counter, {}};
  for (const ThreadHealth::Group& group : threads.Snapshot()) {
    const std::vector<prometheus::ClientMetric::Label> labels{{"group", std::string(ThreadGroupName(group.group))}};
    prometheus::ClientMetric metric;
    metric.label = labels;
    metric.gauge.value = group.expected;
    expected.metric.push_back(metric);
    metric.gauge.value = group.running;
    running.metric.push_back(metric);
    prometheus::ClientMetric counter;
    counter.label = labels;
    counter.counter.value = static_cast<double>(group.restarts);
    restarts.metric.push_back(counter);
  }
  families.push_back(std::move(expected));
  families.push_back(std::move(running));
  families.push_back(std::move(restarts));
}

// Valkey Cluster routing, from the process-wide counters every cluster-mode
// connection adds to (all 0 with a single server). Every kind is exported
// from the start, so rate() sees each series.
void AppendValkeyClusterFamilies(std::vector<prometheus::MetricFamily>& families) {
  const ValkeyClusterCounters::Snapshot counts = ValkeyClusterCounters::Get().Read();
  prometheus::MetricFamily redirects{"flagmeter_valkey_redirects_total",
                                     "Valkey Cluster answers followed: MOVED and ASK redirects, TRYAGAIN and "
                                     "CLUSTERDOWN retries.",
                                     prometheus::MetricType::Counter, {}};
  const std::pair<const char*, std::uint64_t> kinds[] = {
      {"moved", counts.moved}, {"ask", counts.ask}, {"tryagain", counts.tryagain}, {"clusterdown", counts.clusterdown}};
  for (const auto& [kind, value] : kinds) {
    prometheus::ClientMetric metric;
    metric.label = {{"kind", kind}};
    metric.counter.value = static_cast<double>(value);
    redirects.metric.push_back(std::move(metric));
  }
  families.push_back(std::move(redirects));
  AppendFamily(families, "flagmeter_valkey_slot_map_refreshes_total",
               "Valkey Cluster slot maps read (CLUSTER SLOTS): at start, after MOVED, after a node failed.",
               prometheus::MetricType::Counter, static_cast<double>(counts.slot_map_refreshes));
}

}  // namespace

struct Metrics::Impl {
  explicit Impl(std::unique_ptr<Series> built) : series(std::move(built)) {}

  std::unique_ptr<Series> series;
  std::atomic<const ThreadHealth*> threads{nullptr};
  // Fixed for the life of the process: read once.
  std::optional<double> start_time_seconds = ReadProcessStartTime();
};

Metrics::Metrics()
    : queue_depth(StartBuilding().queue_depth),
      queue_inflight(Building().queue_inflight),
      events_accepted(Building().events_accepted),
      events_persisted(Building().events_persisted),
      events_duplicate(Building().events_duplicate),
      sequence_regressions(Building().sequence_regressions),
      store_insert_reruns(Building().store_insert_reruns),
      worker_batch_size(Building().worker_batch_size),
      ingest_lag_seconds(Building().ingest_lag_seconds),
      alerts_sent(Building().alerts_sent),
      alerts_failed(Building().alerts_failed),
      alerts_refused(Building().alerts_refused),
      ledger_rows_moved(Building().ledger_rows_moved),
      ledger_partitions_dropped(Building().ledger_partitions_dropped),
      ledger_maintenance_failures(Building().ledger_maintenance_failures),
      database_replica_lag_seconds(Building().database_replica_lag_seconds),
      database_read_fallback(Building().database_read_fallback),
      impl_(std::make_unique<Impl>(std::move(t_building))) {}

Metrics::~Metrics() = default;

prometheus::Counter& Metrics::events_dead_lettered(DeadLetterReason reason) const {
  return *impl_->series->events_dead_lettered[static_cast<std::size_t>(reason)];
}

prometheus::Gauge& Metrics::dead_letters(DeadLetterReason reason) const {
  return *impl_->series->dead_letters[static_cast<std::size_t>(reason)];
}

prometheus::Counter& Metrics::dead_letters_dropped(DeadLetterReason reason) const {
  return *impl_->series->dead_letters_dropped[static_cast<std::size_t>(reason)];
}

prometheus::Counter& Metrics::database_read_fallbacks(ReadFallbackReason reason) const {
  return *impl_->series->database_read_fallbacks[static_cast<std::size_t>(reason)];
}

void Metrics::ObserveRequest(std::string_view method, std::string_view route, int status, double seconds) {
  Series& series = *impl_->series;
  method = MethodLabel(method);
  std::array<char, 192> buffer;
  std::string spill;
  const std::string_view key = MakeKey(method, route, status, buffer, spill);

  RequestSeries found;
  {
    ReaderMutexLock lock(series.cache_mu);
    auto it = series.cache.find(key);
    if (it != series.cache.end()) found = it->second;
  }
  if (found.requests == nullptr) {
    WriterMutexLock lock(series.cache_mu);
    auto it = series.cache.find(key);
    if (it == series.cache.end()) {
      it = series.cache.emplace(std::string(key), AddRequestSeries(series, method, route, status)).first;
    }
    found = it->second;
  }
  found.requests->Increment();
  found.duration->Observe(seconds);
}

void Metrics::WatchThreads(const ThreadHealth* threads) { impl_->threads.store(threads); }

std::string Metrics::Serialize() const {
  std::vector<prometheus::MetricFamily> families = impl_->series->registry->Collect();
  AppendProcessFamilies(families, impl_->start_time_seconds);
  AppendValkeyClusterFamilies(families);
  if (const ThreadHealth* threads = impl_->threads.load()) AppendThreadFamilies(families, *threads);
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace flagmeter
