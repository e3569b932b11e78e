#include "flagmeter/store/read_route.hpp"

#include <cmath>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {

ReadRoute::ReadRoute(std::chrono::milliseconds max_lag, Metrics* metrics) : max_lag_(max_lag), metrics_(metrics) {}

void ReadRoute::Observe(const Result<ReplicaSample>& sample) {
  MutexLock lock(mu_);
  if (!sample.ok()) {
    ToPrimary(ReadFallbackReason::kUnreachable, sample.status().ToString());
    return;
  }
  if (!sample->in_recovery) {
    ToPrimary(ReadFallbackReason::kNotStandby, "the server of DATABASE_READ_URL is not in recovery");
    return;
  }
  const double lag = sample->lag_seconds;
  // An unknown lag is exported as +Inf: above any alert threshold.
  if (metrics_ != nullptr) metrics_->database_replica_lag_seconds.Set(lag);
  if (!(lag * 1000.0 <= static_cast<double>(max_lag_.count()))) {
    ToPrimary(ReadFallbackReason::kLagging, std::isfinite(lag) ? "replay lags " + std::to_string(lag) + " s"
                                                                : "replay lags by an unknown amount");
    return;
  }
  ToReplica(lag);
}

void ReadRoute::ReadFailed(const Status& status) {
  MutexLock lock(mu_);
  ToPrimary(ReadFallbackReason::kUnreachable, "a read failed: " + status.ToString());
}

void ReadRoute::ToReplica(double lag_seconds) {
  if (!use_replica_.exchange(true, std::memory_order_acq_rel)) {
    spdlog::info("read route: reads go to the standby (lag {:.3f} s, bound {} ms)", lag_seconds, max_lag_.count());
  }
  on_primary_counted_ = false;
  if (metrics_ != nullptr) metrics_->database_read_fallback.Set(0);
}

void ReadRoute::ToPrimary(ReadFallbackReason reason, const std::string& why) {
  use_replica_.store(false, std::memory_order_release);
  if (metrics_ != nullptr) metrics_->database_read_fallback.Set(1);
  if (on_primary_counted_) return;  // one count and one log line per stay on the primary
  on_primary_counted_ = true;
  if (metrics_ != nullptr) metrics_->database_read_fallbacks(reason).Increment();
  spdlog::warn("read route: reads go to the primary ({}): {}", kReadFallbackReasonLabels[static_cast<int>(reason)],
               why);
}

}  // namespace flagmeter
