#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "flagmeter/core/dead_letter_reason.hpp"
#include "flagmeter/core/read_fallback_reason.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace flagmeter {

class ThreadHealth;

/// The one owner of every Prometheus series the service exports (names in
/// API.md). Built once in main and handed to components by reference; no
/// component registers series itself. Thread-safe.
class Metrics final {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Gauge& queue_depth;            // flagmeter_queue_depth
  prometheus::Gauge& queue_inflight;         // flagmeter_queue_inflight
  prometheus::Counter& events_accepted;      // flagmeter_events_accepted_total
  prometheus::Counter& events_persisted;     // flagmeter_events_persisted_total
  prometheus::Counter& events_duplicate;     // flagmeter_events_duplicate_total
  prometheus::Counter& sequence_regressions; // flagmeter_events_sequence_regressions_total
  prometheus::Counter& store_insert_reruns;  // flagmeter_store_insert_reruns_total
  prometheus::Histogram& worker_batch_size;  // flagmeter_worker_batch_size
  prometheus::Histogram& ingest_lag_seconds; // flagmeter_ingest_lag_seconds
  prometheus::Counter& alerts_sent;          // flagmeter_alerts_sent_total
  prometheus::Counter& alerts_failed;        // flagmeter_alerts_failed_total
  prometheus::Counter& alerts_refused;       // flagmeter_alerts_refused_total
  prometheus::Counter& ledger_rows_moved;          // flagmeter_ledger_rows_moved_total
  prometheus::Counter& ledger_partitions_dropped;  // flagmeter_ledger_partitions_dropped_total
  prometheus::Counter& ledger_maintenance_failures;  // flagmeter_ledger_maintenance_failures_total
  prometheus::Gauge& database_replica_lag_seconds;  // flagmeter_database_replica_lag_seconds (ReadRoute)
  prometheus::Gauge& database_read_fallback;        // flagmeter_database_read_fallback: 1 while standby reads are on the primary

  /// flagmeter_database_read_fallbacks_total{reason="..."}: moves of the
  /// standby's reads to the primary (ReadRoute), every reason exported at 0.
  prometheus::Counter& database_read_fallbacks(ReadFallbackReason reason) const;

  /// flagmeter_events_dead_lettered_total{reason="..."}: one counter per
  /// reason, created with the others.
  prometheus::Counter& events_dead_lettered(DeadLetterReason reason) const;

  /// flagmeter_events_dead_letters{reason="..."}: records in the dead-letter
  /// list now, per reason (set by the background monitor).
  prometheus::Gauge& dead_letters(DeadLetterReason reason) const;

  /// flagmeter_events_dead_letters_dropped_total{reason="..."}: the oldest
  /// records dropped to keep the dead-letter list within DEAD_LETTER_MAX.
  prometheus::Counter& dead_letters_dropped(DeadLetterReason reason) const;

  /// Counts one answered request in flagmeter_http_requests_total and its
  /// time in flagmeter_http_request_duration_seconds. `method` is exported as
  /// given when it is one of GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH,
  /// CONNECT, TRACE, and as "other" otherwise (a client chooses it). `route`
  /// must be a route pattern ("/api/usage/:tenant") or "other", never a raw
  /// path: label values come only from fixed sets. Cheap enough
  /// for every request: label sets are looked up once, then cached.
  void ObserveRequest(std::string_view method, std::string_view route, int status, double seconds);

  /// The Prometheus text exposition (format 0.0.4) of every series, followed
  /// by the process series other client libraries export under the same
  /// names: process_cpu_seconds_total, process_resident_memory_bytes,
  /// process_virtual_memory_bytes, process_open_fds, process_max_fds and
  /// process_start_time_seconds, read from /proc/self on each call (a few
  /// small file reads; call it per scrape, not per request). A process value
  /// that cannot be read is left out.
  std::string Serialize() const;

  /// From now on Serialize also renders `threads` (which must outlive this):
  /// flagmeter_threads_expected{group}, flagmeter_threads_running{group} and
  /// flagmeter_thread_restarts_total{group}, one series per ThreadGroup.
  void WatchThreads(const ThreadHealth* threads);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flagmeter
