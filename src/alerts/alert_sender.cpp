#include "flagmeter/alerts/alert_sender.hpp"

#include <algorithm>

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include "flagmeter/alerts/threshold_alerts.hpp"
#include "flagmeter/alerts/webhook_client.hpp"
#include "flagmeter/core/clock.hpp"
#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {
namespace {

std::string Describe(const PendingAlert& alert) {
  return "the " + std::to_string(alert.key.threshold) + "% alert of tenant '" + alert.tenant_name + "'";
}

std::string DeliveryId(const AlertKey& key) {
  return key.tenant_id + ":" + std::to_string(key.period_start_ms) + ":" + std::to_string(key.threshold);
}

}  // namespace

std::int64_t RetryDelayMs(const AlertsConfig& config, int attempts) {
  std::int64_t delay = config.webhook_backoff_ms;
  for (int i = 1; i < attempts && delay < config.webhook_max_backoff_ms; ++i) delay *= 2;
  return std::min<std::int64_t>(delay, config.webhook_max_backoff_ms);
}

AlertSender::AlertSender(AlertsConfig config, StoreFactory make_store, Metrics& metrics, ThreadHealth* health)
    : config_(std::move(config)),
      metrics_(metrics),
      senders_(WorkPoolOptions{.group = ThreadGroup::kAlertSenders,
                               .name = "webhook",
                               .threads = config_.senders,
                               .max_queued = kMaxQueuedAlerts,
                               .queue_setting = {},  // fixed: kMaxQueuedAlerts
                               .health = health},
               std::move(make_store)) {}

AlertSender::~AlertSender() { Stop(); }

void AlertSender::OnRetryScheduled(std::function<void(std::chrono::milliseconds)> listener) {
  retry_scheduled_ = std::move(listener);
}

void AlertSender::Start() { senders_.Start(); }

void AlertSender::Stop() { senders_.Stop(); }

void AlertSender::Enqueue(PendingAlert alert) {
  auto shared = std::make_shared<PendingAlert>(std::move(alert));
  senders_.Post(WorkPool<TenantAlertStore>::Job{
      [this, shared](TenantAlertStore& store) { Deliver(store, std::move(*shared)); },
      [shared](const Status& why) {
        // The claim stays pending in the database: the stale-claim sweep of
        // a running instance takes it up again.
        spdlog::warn("alerts: {} left pending for later: {}", Describe(*shared), why.ToString());
      }});
}

void AlertSender::Deliver(TenantAlertStore& store, PendingAlert alert) {
  Result<WebhookUrl> url = ParseWebhookUrl(alert.webhook_url);
  if (!url.ok()) {
    GiveUp(store, alert, url.status().WithContext("webhook URL '" + alert.webhook_url + "'"));
    return;
  }
  if (alert.attempts >= config_.webhook_max_tries) {  // taken over from a process that died on its last try
    GiveUp(store, alert, Status::Unavailable("no tries left after " + std::to_string(alert.attempts)));
    return;
  }
  ++alert.attempts;
  if (Status alive = store.Record(alert.key, DeliveryStatus::kPending, alert.attempts, ""); !alive.ok()) {
    spdlog::warn("alerts: could not record try {} of {}: {}", alert.attempts, Describe(alert), alive.ToString());
  }
  WebhookRequest request;
  request.url = *url;
  request.body = alert.payload;
  const std::string delivery_id = DeliveryId(alert.key);
  request.headers.emplace_back("X-FlagMeter-Delivery", delivery_id);
  if (!config_.webhook_secret.empty()) {
    // Signed per try: the time is when this copy was sent.
    request.headers.emplace_back("X-FlagMeter-Signature",
                                 WebhookSignature(config_.webhook_secret, NowMs() / 1000, delivery_id, alert.payload));
  }
  const Status sent = PostWebhook(request, WebhookLimits{.timeout = std::chrono::milliseconds(config_.webhook_timeout_ms),
                                                         .allow_private = config_.webhook_allow_private});
  if (sent.ok()) {
    metrics_.alerts_sent.Increment();
    spdlog::info("alerts: delivered {} (try {})", Describe(alert), alert.attempts);
    if (Status recorded = store.Record(alert.key, DeliveryStatus::kDelivered, alert.attempts, ""); !recorded.ok()) {
      spdlog::error("alerts: delivered {} but could not record it: {}", Describe(alert), recorded.ToString());
    }
    return;
  }
  if (sent.code() == Status::Code::kInvalidArgument) {  // refused address: nothing was sent
    metrics_.alerts_refused.Increment();
    spdlog::error("alerts: {} to {} refused: {}", Describe(alert), alert.webhook_url, sent.message());
    Record(store, alert, DeliveryStatus::kFailed, sent);
    return;
  }
  if (alert.attempts >= config_.webhook_max_tries) {
    GiveUp(store, alert, sent);
    return;
  }
  const std::int64_t delay_ms = RetryDelayMs(config_, alert.attempts);
  spdlog::warn("alerts: try {} of {} to {} failed, next in {} ms: {}", alert.attempts, Describe(alert),
               alert.webhook_url, delay_ms, sent.message());
  if (Status scheduled = store.ScheduleRetry(alert.key, alert.attempts, sent.message(), delay_ms); !scheduled.ok()) {
    // Still pending and being tried: the stale-claim sweep takes it over.
    spdlog::error("alerts: could not schedule the next try of {}: {}", Describe(alert), scheduled.ToString());
    return;
  }
  if (retry_scheduled_) retry_scheduled_(std::chrono::milliseconds(delay_ms));
}

void AlertSender::GiveUp(TenantAlertStore& store, const PendingAlert& alert, const Status& last) {
  metrics_.alerts_failed.Increment();
  spdlog::error("alerts: giving up on {} after {} tries: {}", Describe(alert), alert.attempts, last.message());
  Record(store, alert, DeliveryStatus::kFailed, last);
}

void AlertSender::Record(TenantAlertStore& store, const PendingAlert& alert, DeliveryStatus status,
                         const Status& last) {
  if (Status recorded = store.Record(alert.key, status, alert.attempts, last.message()); !recorded.ok()) {
    spdlog::error("alerts: could not record the outcome of {}: {}", Describe(alert), recorded.ToString());
  }
}

}  // namespace flagmeter
