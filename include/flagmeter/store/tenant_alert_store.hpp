#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter {

/// Identifies one alert: a threshold of a tenant in one billing period.
struct AlertKey {
  std::string tenant_id;  // UUID
  std::int64_t period_start_ms = 0;
  int threshold = 0;  // percent
};

/// An alert claimed by this process and to be sent.
struct PendingAlert {
  AlertKey key;
  std::string tenant_name;
  std::string webhook_url;
  std::string payload;  // the JSON body to POST
  int attempts = 0;     // tries already made (by a process that died, for a reclaimed alert)
};

enum class DeliveryStatus { kPending, kDelivered, kFailed };

/// The alert_deliveries table: the claims that make each threshold alert go
/// out once per period, across workers, instances and restarts. Blocking;
/// owned by one thread (its own connection).
class TenantAlertStore {
 public:
  virtual ~TenantAlertStore() = default;

  /// Settings and period usage at `now_ms` of those tenants among `names`
  /// that have a webhook URL and a quota above 0 (the others cannot alert).
  virtual Result<std::vector<TenantOverview>> ReadAlertable(const std::vector<std::string>& names,
                                                            std::int64_t now_ms) = 0;

  /// Inserts the claim for `key` unless one exists. True: this caller owns
  /// the alert and must send it; false: someone claimed it before.
  virtual Result<bool> Claim(const AlertKey& key, const std::string& payload) = 0;

  /// Records the outcome so far: the number of tries, the status, and the
  /// last error (empty for none). Also marks the claim as alive and being
  /// tried (no retry scheduled).
  virtual Status Record(const AlertKey& key, DeliveryStatus status, int attempts, const std::string& last_error) = 0;

  /// Leaves the claim pending after a failed try, owned by no process, for a
  /// try again in `delay_ms` (database time) by whichever instance's
  /// ReclaimDue finds it due first.
  virtual Status ScheduleRetry(const AlertKey& key, int attempts, const std::string& last_error,
                               std::int64_t delay_ms) = 0;

  /// Takes over, at most `limit`, pending claims that are due: those whose
  /// retry time has come, and those being tried whose last sign of life is
  /// older than `stale_ms` (their process died mid-send). Marks them alive
  /// and being tried and returns them, so that one caller among all
  /// instances gets each.
  virtual Result<std::vector<PendingAlert>> ReclaimDue(std::int64_t stale_ms, int limit) = 0;

  /// Milliseconds until the earliest scheduled retry (0 when one is due
  /// already); none when no retry is scheduled.
  virtual Result<std::optional<std::int64_t>> NextRetryInMs() = 0;
};

}  // namespace flagmeter
