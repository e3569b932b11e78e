#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/store/tenant_alert_store.hpp"

namespace flagmeter {

class Metrics;

/// Sends claimed threshold alerts. Owns `config.senders` sender threads,
/// each with its own TenantAlertStore, fed from one queue. Per alert: up to
/// 3 tries, each bounded by `webhook_timeout_ms`, waiting
/// `webhook_backoff_ms` then twice that between them; before each try the
/// claim's attempts and updated_at are written (so a live send is never
/// mistaken for a dead one), after the last its status: delivered or failed
/// (counted in flagmeter_alerts_sent_total / flagmeter_alerts_failed_total).
/// With a secret, each POST carries X-FlagMeter-Signature: sha256=<HMAC>.
/// Thread-safe.
class AlertSender final {
 public:
  using StoreFactory = std::function<std::unique_ptr<TenantAlertStore>()>;

  /// `metrics` must outlive the sender.
  AlertSender(AlertsConfig config, StoreFactory make_store, Metrics& metrics);
  ~AlertSender();
  AlertSender(const AlertSender&) = delete;
  AlertSender& operator=(const AlertSender&) = delete;

  void Start();
  /// Ends waits between tries at once and joins the threads after their
  /// current try. Alerts not sent stay pending in the database, where the
  /// stale-claim sweep of a running instance takes them over.
  void Stop();

  /// Queues a claimed alert. Never blocks on the network or the database.
  void Enqueue(PendingAlert alert);

 private:
  void RunThread();
  void Deliver(TenantAlertStore& store, PendingAlert alert);
  bool WaitBeforeRetry(std::chrono::milliseconds delay);  // false: stopping

  // Constant after construction.
  const AlertsConfig config_;
  const StoreFactory make_store_;
  Metrics& metrics_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<PendingAlert> queue_;    // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  std::vector<std::thread> threads_;  // owned by Start/Stop's caller
};

}  // namespace flagmeter
