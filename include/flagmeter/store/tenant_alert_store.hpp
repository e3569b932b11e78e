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
  /// last error (empty for none). Also marks the claim as alive.
  virtual Status Record(const AlertKey& key, DeliveryStatus status, int attempts, const std::string& last_error) = 0;

  /// Takes over claims still pending whose last sign of life is older than
  /// `stale_ms` (their process died mid-send): marks them alive and returns
  /// them, so that one caller among all instances gets each.
  virtual Result<std::vector<PendingAlert>> ReclaimStale(std::int64_t stale_ms, int limit) = 0;
};

}  // namespace flagmeter
