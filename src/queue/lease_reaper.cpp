#include "flagmeter/queue/lease_reaper.hpp"

#include <memory>
#include <utility>

#include <spdlog/spdlog.h>

#include "flagmeter/queue/queue_reaper.hpp"

namespace flagmeter {

ReapExpiredLeases ValkeyLeaseReap(const QueueConfig& queue) {
  // Shared only so the std::function stays copyable; one thread uses it.
  auto reaper = std::make_shared<QueueReaper>(queue);
  return [reaper] { return reaper->RequeueExpired(); };
}

LeaseReaper::LeaseReaper(MakeReap make_reap, std::chrono::milliseconds period, ThreadHealth* health)
    : make_reap_(std::move(make_reap)), period_(period), thread_(health, ThreadGroup::kLeaseReaper, "fm-reaper") {}

LeaseReaper::~LeaseReaper() { Stop(); }

void LeaseReaper::Start() {
  MutexLock lock(mu_);
  stopping_ = false;
  thread_.Start([this] { Run(); }, [this] { return Stopping(); });
}

bool LeaseReaper::Stopping() {
  MutexLock lock(mu_);
  return stopping_;
}

void LeaseReaper::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  thread_.Join();
}

void LeaseReaper::Run() {
  const ReapExpiredLeases reap = make_reap_();
  MutexLock lock(mu_);
  while (!stopping_) {
    lock.Unlock();
    ReapOnce(reap);
    lock.Lock();
    wake_.WaitFor(mu_, period_, [this]() FM_REQUIRES(mu_) { return stopping_; });
  }
}

void LeaseReaper::ReapOnce(const ReapExpiredLeases& reap) {
  const Result<std::size_t> requeued = reap();
  // An outage is one line when it begins and one when it ends, not one per period.
  const bool reachable = requeued.ok() || requeued.status().code() != Status::Code::kUnavailable;
  if (reachable != valkey_reachable_) {
    valkey_reachable_ = reachable;
    if (reachable) spdlog::info("lease reaper: Valkey is reachable again; reaping expired leases");
    else spdlog::warn("lease reaper: Valkey is unreachable; reaping expired leases once it answers: {}",
                      requeued.status().ToString());
  }
  if (!requeued.ok()) {
    if (reachable) {
      spdlog::warn("lease reaper: putting back expired batches failed (tried again in {} ms): {}", period_.count(),
                   requeued.status().ToString());
    }
    return;
  }
  if (*requeued > 0) spdlog::warn("lease reaper: put back {} events of consumers whose lease ran out", *requeued);
}

}  // namespace flagmeter
