#include "flagmeter/store/ledger_maintenance.hpp"

#include <utility>

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {

LedgerMaintenance::LedgerMaintenance(std::string database_url, LedgerOptions options, Metrics& metrics,
                                     std::chrono::milliseconds period, ThreadHealth* health)
    : database_url_(std::move(database_url)),
      options_(options),
      metrics_(metrics),
      period_(period),
      thread_(health, ThreadGroup::kLedger, "fm-ledger") {}

LedgerMaintenance::~LedgerMaintenance() { Stop(); }

void LedgerMaintenance::Start() {
  MutexLock lock(mu_);
  stopping_ = false;
  thread_.Start([this] { Run(); }, [this] { return Stopping(); });
}

bool LedgerMaintenance::Stopping() {
  MutexLock lock(mu_);
  return stopping_;
}

void LedgerMaintenance::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  thread_.Join();
}

void LedgerMaintenance::Run() {
  LedgerMaintainer maintainer(database_url_, options_);
  MutexLock lock(mu_);
  while (!stopping_) {
    lock.Unlock();
    const bool again = PassOnce(maintainer);
    lock.Lock();
    if (again) continue;
    wake_.WaitFor(mu_, period_, [this]() FM_REQUIRES(mu_) { return stopping_; });
  }
}

bool LedgerMaintenance::PassOnce(LedgerMaintainer& maintainer) {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const Result<LedgerPass> pass = maintainer.RunOnce(today, kMoveBatchesPerPass);
  if (!pass.ok()) {
    metrics_.ledger_maintenance_failures.Increment();
    spdlog::warn("ledger: maintenance failed (tried again in {} ms): {}", period_.count(), pass.status().ToString());
    return false;
  }
  metrics_.ledger_rows_moved.Increment(static_cast<double>(pass->rows_moved));
  metrics_.ledger_partitions_dropped.Increment(pass->partitions_dropped);
  if (pass->rows_moved > 0 && !pass->move_pending) {
    spdlog::info("ledger: the unpartitioned ledger is empty; every raw event is in a partition");
  }
  return pass->move_pending && pass->rows_moved > 0;
}

}  // namespace flagmeter
