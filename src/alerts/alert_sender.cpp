#include "flagmeter/alerts/alert_sender.hpp"

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include "flagmeter/alerts/threshold_alerts.hpp"
#include "flagmeter/alerts/webhook_client.hpp"
#include "flagmeter/core/thread_name.hpp"
#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {
namespace {

constexpr int kTriesPerClaim = 3;

std::string Describe(const PendingAlert& alert) {
  return "the " + std::to_string(alert.key.threshold) + "% alert of tenant '" + alert.tenant_name + "'";
}

}  // namespace

AlertSender::AlertSender(AlertsConfig config, StoreFactory make_store, Metrics& metrics)
    : config_(std::move(config)), make_store_(std::move(make_store)), metrics_(metrics) {}

AlertSender::~AlertSender() { Stop(); }

void AlertSender::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < config_.senders; ++i) {
    threads_.emplace_back([this, i] {
      SetThreadName("fm-webhook-" + std::to_string(i));
      RunThread();
    });
  }
}

void AlertSender::Stop() {
  std::size_t left = 0;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    left = queue_.size();
    queue_.clear();
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  if (left > 0) spdlog::warn("alerts: {} alerts left pending at shutdown; a running instance will send them", left);
}

void AlertSender::Enqueue(PendingAlert alert) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;  // stays pending in the database
    queue_.push_back(std::move(alert));
  }
  wake_.notify_one();
}

void AlertSender::RunThread() {
  std::unique_ptr<TenantAlertStore> store = make_store_();
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    PendingAlert alert = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Deliver(*store, std::move(alert));
    lock.lock();
  }
}

bool AlertSender::WaitBeforeRetry(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

void AlertSender::Deliver(TenantAlertStore& store, PendingAlert alert) {
  Result<WebhookUrl> url = ParseWebhookUrl(alert.webhook_url);
  WebhookRequest request;
  request.body = alert.payload;
  request.headers.emplace_back("X-FlagMeter-Delivery", alert.key.tenant_id + ":" +
                                                           std::to_string(alert.key.period_start_ms) + ":" +
                                                           std::to_string(alert.key.threshold));
  if (!config_.webhook_secret.empty()) {
    request.headers.emplace_back("X-FlagMeter-Signature", WebhookSignature(config_.webhook_secret, alert.payload));
  }
  Status last = url.ok() ? Status::Ok() : url.status().WithContext("webhook URL '" + alert.webhook_url + "'");
  std::chrono::milliseconds backoff(config_.webhook_backoff_ms);
  for (int attempt = 1; url.ok() && attempt <= kTriesPerClaim; ++attempt) {
    if (attempt > 1) {
      if (!WaitBeforeRetry(backoff)) return;  // stopping: stays pending, taken over later
      backoff *= 2;
    }
    ++alert.attempts;
    if (Status alive = store.Record(alert.key, DeliveryStatus::kPending, alert.attempts, last.message()); !alive.ok()) {
      spdlog::warn("alerts: could not record try {} of {}: {}", alert.attempts, Describe(alert), alive.ToString());
    }
    request.url = *url;
    last = PostWebhook(request, std::chrono::milliseconds(config_.webhook_timeout_ms));
    if (last.ok()) {
      metrics_.alerts_sent.Increment();
      spdlog::info("alerts: delivered {} (try {})", Describe(alert), alert.attempts);
      if (Status recorded = store.Record(alert.key, DeliveryStatus::kDelivered, alert.attempts, ""); !recorded.ok()) {
        spdlog::error("alerts: delivered {} but could not record it: {}", Describe(alert), recorded.ToString());
      }
      return;
    }
    spdlog::warn("alerts: try {} of {} to {} failed: {}", attempt, Describe(alert), alert.webhook_url, last.message());
  }
  metrics_.alerts_failed.Increment();
  spdlog::error("alerts: giving up on {} after {} tries: {}", Describe(alert), alert.attempts, last.message());
  if (Status recorded = store.Record(alert.key, DeliveryStatus::kFailed, alert.attempts, last.message());
      !recorded.ok()) {
    spdlog::error("alerts: could not record {} as failed: {}", Describe(alert), recorded.ToString());
  }
}

}  // namespace flagmeter
