#pragma once

#include <chrono>
#include <string>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/store/ledger_maintainer.hpp"

namespace flagmeter {

class Metrics;

/// Runs the LedgerMaintainer on one supervised thread (group kLedger,
/// "fm-ledger") with its own PostgreSQL connection: a pass as it starts,
/// then one every `period`, and passes back to back (a few move batches
/// each) while the unpartitioned ledger still holds rows. The day is the
/// system clock's UTC day. A failed pass is logged, counted in
/// flagmeter_ledger_maintenance_failures_total and tried again a period
/// later. Thread-safe.
class LedgerMaintenance final {
 public:
  static constexpr std::chrono::milliseconds kDefaultPeriod{60'000};
  /// Move batches per pass, so a stop request waits for at most this many.
  static constexpr int kMoveBatchesPerPass = 5;

  LedgerMaintenance(std::string database_url, LedgerOptions options, Metrics& metrics,
                    std::chrono::milliseconds period, ThreadHealth* health = nullptr);
  ~LedgerMaintenance();
  LedgerMaintenance(const LedgerMaintenance&) = delete;
  LedgerMaintenance& operator=(const LedgerMaintenance&) = delete;

  void Start();
  /// Wakes the thread and joins it after its current pass.
  void Stop();

 private:
  void Run();
  /// One pass; whether another should follow at once.
  bool PassOnce(LedgerMaintainer& maintainer);
  bool Stopping();

  // Constant after construction.
  const std::string database_url_;
  const LedgerOptions options_;
  Metrics& metrics_;
  const std::chrono::milliseconds period_;

  Mutex mu_;
  CondVar wake_;
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  SupervisedThread thread_;  // the ledger thread; Start/Stop's
};

}  // namespace flagmeter
