#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/work_pool.hpp"
#include "flagmeter/store/tenant_alert_store.hpp"

namespace flagmeter {

class Metrics;

/// The wait before the try after try number `attempts` (1-based):
/// webhook_backoff_ms, doubled per try, at most webhook_max_backoff_ms.
/// Thread-safe (pure).
std::int64_t RetryDelayMs(const AlertsConfig& config, int attempts);

/// Sends claimed threshold alerts. Owns a WorkPool of `config.senders`
/// sender threads (fm-webhook-N), each with its own TenantAlertStore, fed
/// from one queue of at most kMaxQueuedAlerts alerts (beyond it an alert
/// stays pending in the database, where the stale-claim sweep takes it up
/// again). One try per
/// alert taken from the queue, bounded by `webhook_timeout_ms` (DNS
/// included); before it the claim's attempts and updated_at are written (so
/// a live send is never mistaken for a dead one). After it:
/// - delivered (2xx): recorded, counted in flagmeter_alerts_sent_total;
/// - refused (the host has a non-public address): recorded as failed at
///   once, counted in flagmeter_alerts_refused_total;
/// - failed with tries left (< webhook_max_tries): the next try is scheduled
///   in the database after RetryDelayMs, so it survives a restart; the
///   retry listener hears of it (AlertMonitor takes it back when due);
/// - failed on the last try: recorded as failed, counted in
///   flagmeter_alerts_failed_total.
/// Each POST carries X-FlagMeter-Delivery (tenant id:period start:threshold)
/// and, with a secret, X-FlagMeter-Signature (see WebhookSignature).
/// Thread-safe.
class AlertSender final {
 public:
  using StoreFactory = std::function<std::unique_ptr<TenantAlertStore>()>;

  static constexpr std::size_t kMaxQueuedAlerts = 10'000;

  /// `metrics` must outlive the sender.
  AlertSender(AlertsConfig config, StoreFactory make_store, Metrics& metrics, ThreadHealth* health = nullptr);
  ~AlertSender();
  AlertSender(const AlertSender&) = delete;
  AlertSender& operator=(const AlertSender&) = delete;

  /// Told the delay of each retry scheduled. Set before Start; must not block.
  void OnRetryScheduled(std::function<void(std::chrono::milliseconds)> listener);

  void Start();
  /// Joins the threads after their current try. Alerts queued but not tried
  /// stay pending in the database, where the stale-claim sweep of a running
  /// instance takes them over; scheduled retries wait there too.
  void Stop();

  /// Queues a claimed alert. Never blocks on the network or the database.
  void Enqueue(PendingAlert alert);

 private:
  void Deliver(TenantAlertStore& store, PendingAlert alert);
  void GiveUp(TenantAlertStore& store, const PendingAlert& alert, const Status& last);
  void Record(TenantAlertStore& store, const PendingAlert& alert, DeliveryStatus status, const Status& last);

  // Constant after construction.
  const AlertsConfig config_;
  Metrics& metrics_;
  std::function<void(std::chrono::milliseconds)> retry_scheduled_;  // set before Start

  WorkPool<TenantAlertStore> senders_;  // last: its threads use the fields above
};

}  // namespace flagmeter
