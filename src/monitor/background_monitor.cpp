#include "flagmeter/monitor/background_monitor.hpp"

#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {

BackgroundMonitor::BackgroundMonitor(MonitorProbes probes, Metrics& metrics, std::chrono::milliseconds interval,
                                     ThreadHealth* threads)
    : probes_(std::move(probes)), metrics_(metrics), interval_(interval), threads_(threads) {}

BackgroundMonitor::~BackgroundMonitor() { Stop(); }

void BackgroundMonitor::Start() {
  RunOnce();
  if (threads_ != nullptr) threads_->Expect(ThreadGroup::kMonitor, 1);
  thread_ = StartSupervised(threads_, ThreadGroup::kMonitor, "fm-monitor", [this] { Run(); }, [this] {
    MutexLock lock(mu_);
    return stopping_;
  });
}

void BackgroundMonitor::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  if (thread_.joinable()) thread_.join();
  if (threads_ != nullptr) threads_->Expect(ThreadGroup::kMonitor, 0);
}

HealthSnapshot BackgroundMonitor::Health() const {
  HealthSnapshot health{database_up_.load(std::memory_order_relaxed), valkey_up_.load(std::memory_order_relaxed), {}};
  if (threads_ != nullptr) {
    for (const ThreadHealth::Group& group : threads_->Snapshot()) {
      if (group.expected > 0 || group.restarts > 0) health.threads.push_back(group);
    }
  }
  return health;
}

void BackgroundMonitor::Run() {
  MutexLock lock(mu_);
  while (!wake_.WaitFor(mu_, interval_, [this]() FM_REQUIRES(mu_) { return stopping_; })) {
    lock.Unlock();
    RunOnce();
    lock.Lock();
  }
}

void BackgroundMonitor::SampleDeadLetters() {
  const Result<DeadLetterCounts> counts = probes_.dead_letters();
  if (!counts.ok()) {
    spdlog::warn("monitor: counting the dead letters failed: {}", counts.status().ToString());
    return;
  }
  metrics_.dead_letters(DeadLetterReason::kUndecodable).Set(static_cast<double>(counts->undecodable));
  metrics_.dead_letters(DeadLetterReason::kRefused).Set(static_cast<double>(counts->refused));
}

void BackgroundMonitor::RunOnce() {
  const Result<std::int64_t> depth = probes_.queue_depth();
  if (depth.ok()) metrics_.queue_depth.Set(static_cast<double>(*depth));
  metrics_.queue_inflight.Set(static_cast<double>(probes_.inflight()));
  if (depth.ok() && probes_.dead_letters) SampleDeadLetters();
  // Log only the transitions, so an outage is one line, not one per second.
  if (valkey_up_.exchange(depth.ok()) != depth.ok()) {
    if (depth.ok()) spdlog::info("monitor: Valkey is reachable");
    else spdlog::error("monitor: Valkey is down: {}", depth.status().ToString());
  }
  const Status database = probes_.ping_database();
  if (database_up_.exchange(database.ok()) != database.ok()) {
    if (database.ok()) spdlog::info("monitor: PostgreSQL is reachable");
    else spdlog::error("monitor: PostgreSQL is down: {}", database.ToString());
  }
  if (probes_.check_read_replica) probes_.check_read_replica();
}

}  // namespace flagmeter
