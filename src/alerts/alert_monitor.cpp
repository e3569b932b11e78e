#include "flagmeter/alerts/alert_monitor.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "flagmeter/alerts/alert_sender.hpp"
#include "flagmeter/alerts/threshold_alerts.hpp"
#include "flagmeter/core/clock.hpp"

namespace flagmeter {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxTenantsPerCheck = 1000;
constexpr std::size_t kMaxRemembered = 100'000;
constexpr int kReclaimBatch = 100;
constexpr auto kRetryAfterFailure = std::chrono::milliseconds(1000);
constexpr auto kMaxSweepInterval = std::chrono::seconds(60);

std::string ClaimId(const AlertKey& key) {
  return key.tenant_id + "|" + std::to_string(key.period_start_ms) + "|" + std::to_string(key.threshold);
}

}  // namespace

AlertMonitor::AlertMonitor(AlertsConfig config, std::unique_ptr<TenantAlertStore> store, AlertSender& sender,
                           ThreadHealth* health)
    : config_(std::move(config)),
      store_(std::move(store)),
      sender_(sender),
      thread_(health, ThreadGroup::kAlertMonitor, "fm-alerts") {}

AlertMonitor::~AlertMonitor() { Stop(); }

void AlertMonitor::Start() {
  MutexLock lock(mu_);
  stopping_ = false;
  thread_.Start([this] { Run(); }, [this] { return Stopping(); });
}

bool AlertMonitor::Stopping() {
  MutexLock lock(mu_);
  return stopping_;
}

void AlertMonitor::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  thread_.Join();
}

void AlertMonitor::TenantsChanged(const std::vector<std::string>& names) {
  {
    MutexLock lock(mu_);
    changed_.insert(names.begin(), names.end());
  }
  wake_.NotifyOne();
}

void AlertMonitor::RetryScheduled(std::chrono::milliseconds delay) {
  {
    MutexLock lock(mu_);
    retry_at_ = std::min(retry_at_, Clock::now() + delay);
  }
  wake_.NotifyOne();
}

void AlertMonitor::Run() {
  const auto sweep_interval =
      std::min<Clock::duration>(std::chrono::milliseconds(config_.stale_claim_ms / 2), kMaxSweepInterval);
  Clock::time_point next_sweep = Clock::now();  // the first sweep also finds retries scheduled before a restart
  Clock::time_point not_before = Clock::now();  // after a failed check
  MutexLock lock(mu_);
  while (!stopping_) {
    if (!changed_.empty() && Clock::now() >= not_before) {
      std::vector<std::string> names;
      for (auto it = changed_.begin(); it != changed_.end() && names.size() < kMaxTenantsPerCheck;) {
        names.push_back(*it);
        it = changed_.erase(it);
      }
      lock.Unlock();
      bool checked = false;
      try {
        checked = Check(names);
      } catch (...) {
        // Checked again once the thread restarts.
        TenantsChanged(names);
        throw;
      }
      lock.Lock();
      if (!checked) {
        changed_.insert(names.begin(), names.end());
        not_before = Clock::now() + kRetryAfterFailure;
      }
      continue;
    }
    if (Clock::now() >= std::min(next_sweep, retry_at_)) {
      retry_at_ = Clock::time_point::max();
      lock.Unlock();
      const std::optional<std::chrono::milliseconds> next_retry = Sweep();
      lock.Lock();
      next_sweep = Clock::now() + sweep_interval;
      if (next_retry) retry_at_ = std::min(retry_at_, Clock::now() + *next_retry);
      continue;
    }
    const Clock::time_point wake_at = std::min(next_sweep, retry_at_);
    const Clock::time_point until = changed_.empty() ? wake_at : std::min(wake_at, not_before);
    wake_.WaitUntil(mu_, until, [this, not_before, wake_at]() FM_REQUIRES(mu_) {
      return stopping_ || (!changed_.empty() && Clock::now() >= not_before) || retry_at_ < wake_at;
    });
  }
}

bool AlertMonitor::Check(const std::vector<std::string>& names) {
  Result<std::vector<TenantOverview>> tenants = store_->ReadAlertable(names, NowMs());
  if (!tenants.ok()) {
    spdlog::warn("alerts: cannot read usage of {} tenants, retrying: {}", names.size(), tenants.status().ToString());
    return tenants.status().code() == Status::Code::kInvalidArgument;  // retrying cannot fix bad names
  }
  if (claimed_.size() > kMaxRemembered) claimed_.clear();  // only costs redundant inserts
  for (const TenantOverview& tenant : *tenants) {
    for (int threshold : CrossedThresholds(tenant.total_tokens, tenant.monthly_quota, tenant.alert_thresholds)) {
      const AlertKey key{tenant.tenant_id, tenant.period_start_ms, threshold};
      const std::string id = ClaimId(key);
      if (claimed_.contains(id)) continue;
      const std::string payload = AlertPayload(tenant, threshold);
      Result<bool> mine = store_->Claim(key, payload);
      if (!mine.ok()) {
        spdlog::warn("alerts: cannot claim the {}% alert of tenant '{}': {}", threshold, tenant.tenant_name,
                     mine.status().ToString());
        return false;
      }
      claimed_.insert(id);
      if (!*mine) continue;  // claimed before, here or by another instance
      spdlog::info("alerts: tenant '{}' reached {}% of its quota; sending the alert", tenant.tenant_name, threshold);
      sender_.Enqueue(PendingAlert{key, tenant.tenant_name, tenant.webhook_url.value_or(""), payload, 0});
    }
  }
  return true;
}

std::optional<std::chrono::milliseconds> AlertMonitor::Sweep() {
  Result<std::vector<PendingAlert>> due = store_->ReclaimDue(config_.stale_claim_ms, kReclaimBatch);
  if (!due.ok()) {
    spdlog::warn("alerts: cannot look for due alert claims: {}", due.status().ToString());
    return kRetryAfterFailure;
  }
  for (PendingAlert& alert : *due) {
    spdlog::info("alerts: taking up the {}% alert of tenant '{}' again after {} tries", alert.key.threshold,
                 alert.tenant_name, alert.attempts);
    sender_.Enqueue(std::move(alert));
  }
  if (due->size() == static_cast<std::size_t>(kReclaimBatch)) return std::chrono::milliseconds(0);  // more due
  Result<std::optional<std::int64_t>> next = store_->NextRetryInMs();
  if (!next.ok()) {
    spdlog::warn("alerts: cannot read when the next alert retry is due: {}", next.status().ToString());
    return kRetryAfterFailure;
  }
  if (!next->has_value()) return std::nullopt;
  return std::chrono::milliseconds(**next);
}

}  // namespace flagmeter
