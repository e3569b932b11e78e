#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/read_fallback_reason.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

class Metrics;

/// One check of the hot standby (PgReplicaLag).
struct ReplicaSample {
  bool in_recovery = true;  // false: the server answered but is not a standby
  double lag_seconds = 0;   // how far its data may be behind the primary; +inf when unknown
};

/// Decides whether the reads that may lag (usage, history, dashboard, tenant
/// list) go to the hot standby or to the primary, from the last check of the
/// standby: to the standby while it answers, is in recovery and lags at most
/// `max_lag` (MAX_READ_LAG_MS); else to the primary, until a later check
/// finds it fit again. Before the first check, reads go to the primary.
///
/// Exports flagmeter_database_replica_lag_seconds (the last lag measured),
/// flagmeter_database_read_fallback (1 while the standby's reads are on the
/// primary) and flagmeter_database_read_fallbacks_total{reason} (one per move
/// to the primary). Thread-safe: the checks come from the monitor thread, the
/// questions and the failed reads from the query threads.
class ReadRoute final {
 public:
  /// `metrics` may be null (then nothing is exported).
  ReadRoute(std::chrono::milliseconds max_lag, Metrics* metrics);
  ReadRoute(const ReadRoute&) = delete;
  ReadRoute& operator=(const ReadRoute&) = delete;

  /// Whether a read should go to the standby now. One atomic load.
  bool UseReplica() const { return use_replica_.load(std::memory_order_acquire); }

  /// Takes one check's result: Unavailable (or any failure) when the standby
  /// could not be asked.
  void Observe(const Result<ReplicaSample>& sample);

  /// A read on the standby failed with `status`: reads go to the primary
  /// until the next check finds the standby fit.
  void ReadFailed(const Status& status);

  std::chrono::milliseconds max_lag() const { return max_lag_; }

 private:
  void ToReplica(double lag_seconds) FM_REQUIRES(mu_);
  void ToPrimary(ReadFallbackReason reason, const std::string& why) FM_REQUIRES(mu_);

  // Constant after construction.
  const std::chrono::milliseconds max_lag_;
  Metrics* const metrics_;

  std::atomic<bool> use_replica_{false};
  // Serialises the moves, so each is counted and logged once.
  Mutex mu_;
  bool on_primary_counted_ FM_GUARDED_BY(mu_) = false;  // the current stay on the primary was counted
};

}  // namespace flagmeter
