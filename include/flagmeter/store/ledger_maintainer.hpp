#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

class PgConnection;

/// The raw-event ledger's layout and retention (migrations/0010).
struct LedgerOptions {
  int retention_days = 62;      // RAW_EVENT_RETENTION_DAYS: a partition goes once its last day is older
  int partition_days = 31;      // RAW_EVENT_PARTITION_DAYS: days per new partition
  int move_batch = 10'000;      // LEDGER_MOVE_BATCH: rows moved per transaction from the unpartitioned ledger
};

/// What one pass did.
struct LedgerPass {
  bool skipped = false;               // another instance was maintaining the ledger
  int partitions_created = 0;
  int partitions_dropped = 0;
  bool clock_advanced = false;
  std::int64_t rows_moved = 0;        // out of events_unpartitioned
  std::int64_t rows_expired = 0;      // of those, older than the retention: not kept
  bool move_pending = false;          // events_unpartitioned still holds rows
};

/// Keeps the partitioned ledger of raw events (migrations/0010): creates each
/// partition ahead of the day it is needed, moves the ledger clock (the
/// period commits file under) forward, drops the partitions whose last day
/// is older than the retention - a drop, never a mass DELETE - and moves the
/// rows of an unpartitioned ledger into it in batches. Rollups are never
/// touched. Safe with many instances: a pass holds a session advisory lock,
/// and one that cannot take it does nothing. `today` comes from the caller,
/// so the clock is controllable. Owned by one thread (one connection).
class LedgerMaintainer final {
 public:
  /// How far ahead of the ledger's day a partition exists.
  static constexpr int kDaysAhead = 3;

  /// Does not connect; the first pass does.
  LedgerMaintainer(std::string database_url, LedgerOptions options);
  ~LedgerMaintainer();
  LedgerMaintainer(const LedgerMaintainer&) = delete;
  LedgerMaintainer& operator=(const LedgerMaintainer&) = delete;

  /// One pass with `today` (UTC) as the ledger's day, moving at most
  /// `max_move_batches` batches. Blocking. Unavailable when the database
  /// cannot be reached; Internal with the failing step otherwise. A failed
  /// step leaves the ledger consistent: the next pass carries on.
  Result<LedgerPass> RunOnce(std::chrono::sys_days today, int max_move_batches);

 private:
  Result<LedgerPass> RunLocked(std::chrono::sys_days today, int max_move_batches);

  const LedgerOptions options_;
  std::unique_ptr<PgConnection> connection_;
  // Where the next move batch starts: after (tenant, event id); the nil
  // uuid and "" mean from the first key (also after a restart).
  static constexpr char kMoveFromStart[] = "00000000-0000-0000-0000-000000000000";
  std::string move_after_tenant_ = kMoveFromStart;
  std::string move_after_event_;
};

}  // namespace flagmeter
