#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/store/tenant_alert_store.hpp"

namespace flagmeter {

class AlertSender;

/// Finds threshold crossings and claims them. Owns one alert thread with its
/// own TenantAlertStore. Fed with the tenants whose usage just changed
/// (after a worker's commit, never inside it; after a settings change), it
/// reads their period usage, and for each threshold reached tries to insert
/// the alert's claim row: only the inserter, in whatever process, hands the
/// alert to the sender. So each threshold alerts once per tenant and period
/// across workers, instances and restarts. Every ALERT_RETRY_AFTER_MS / 2
/// (at most a minute), and whenever a scheduled retry falls due, it also
/// takes up claims whose retry is due (scheduled here, by another instance
/// or before a restart) and claims left pending by a process that died
/// mid-send, and hands them to the sender. Thread-safe.
class AlertMonitor final {
 public:
  /// `sender` must outlive the monitor.
  AlertMonitor(AlertsConfig config, std::unique_ptr<TenantAlertStore> store, AlertSender& sender,
               ThreadHealth* health = nullptr);
  ~AlertMonitor();
  AlertMonitor(const AlertMonitor&) = delete;
  AlertMonitor& operator=(const AlertMonitor&) = delete;

  void Start();
  void Stop();  // joins the alert thread after its current step

  /// Notes tenants to check. Never blocks on the database: a set insert.
  void TenantsChanged(const std::vector<std::string>& names);

  /// Notes that a retry falls due in `delay`, so the sweep runs then. Never
  /// blocks on the database.
  void RetryScheduled(std::chrono::milliseconds delay);

 private:
  void Run();
  bool Stopping() FM_EXCLUDES(mu_);
  bool Check(const std::vector<std::string>& names);  // false: the database failed, check again later
  /// Hands due claims to the sender; returns when the next retry is due
  /// (none: no retry scheduled).
  std::optional<std::chrono::milliseconds> Sweep();

  // Constant after construction.
  const AlertsConfig config_;
  const std::unique_ptr<TenantAlertStore> store_;
  AlertSender& sender_;

  // Owned by the alert thread: claims known to exist (ours or another's),
  // "tenant id|period start|threshold", so a crossing costs one insert only.
  std::unordered_set<std::string> claimed_;

  Mutex mu_;
  CondVar wake_;
  std::unordered_set<std::string> changed_ FM_GUARDED_BY(mu_);
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point retry_at_ FM_GUARDED_BY(mu_) =
      std::chrono::steady_clock::time_point::max();
  SupervisedThread thread_;  // the alert thread; Start/Stop's
};

}  // namespace flagmeter
