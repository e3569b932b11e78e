#include "flagmeter/query/usage_service.hpp"

#include <spdlog/spdlog.h>

#include "flagmeter/core/clock.hpp"

namespace flagmeter {
namespace {

// Bounds the cache when many distinct tenants are read: stale entries are
// dropped when it grows past this.
constexpr std::size_t kMaxCachedTenants = 100'000;

bool Cacheable(const Result<TenantUsage>& result) {
  return result.ok() || result.status().code() == Status::Code::kNotFound;
}

}  // namespace

UsageService::UsageService(int threads, int cache_ms, ReaderFactory make_reader, std::size_t max_pending,
                           ThreadHealth* health)
    : cache_ttl_(std::chrono::milliseconds(cache_ms)),
      readers_(WorkPoolOptions{.group = ThreadGroup::kUsageReaders,
                               .name = "usage",
                               .threads = threads,
                               .max_queued = max_pending,
                               .queue_setting = "USAGE_READ_QUEUE",
                               .health = health},
               std::move(make_reader)) {}

UsageService::~UsageService() { Stop(); }

void UsageService::Start() {
  {
    MutexLock lock(mu_);
    stopping_ = false;
  }
  readers_.Start();
}

void UsageService::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  readers_.Stop();  // answers the waiters of every queued read with Unavailable
}

void UsageService::GetUsage(const std::string& tenant, Callback done) {
  Answer cached;
  {
    MutexLock lock(mu_);
    if (stopping_) {
      cached = std::make_shared<Result<TenantUsage>>(Status::Unavailable("usage: the service is shutting down"));
    } else {
      if (entries_.size() > kMaxCachedTenants) {
        std::erase_if(entries_, [](const auto& item) { return !item.second.fetching; });
      }
      Entry& entry = entries_[tenant];
      if (entry.result && Clock::now() - entry.fetched_at < cache_ttl_) {
        cached = entry.result;
      } else {
        entry.waiters.push_back(std::move(done));
        if (entry.fetching) return;  // joins the read already queued or running: no queue slot
        Status queued = readers_.TryPost(
            WorkPool<UsageReader>::Job{[this, tenant](UsageReader& reader) { Fetch(reader, tenant); },
                                       [this, tenant](const Status& status) { Abandon(tenant, status); }});
        if (queued.ok()) {
          entry.fetching = true;
          return;
        }
        // Beyond USAGE_READ_QUEUE (or stopping): refused rather than queued.
        done = std::move(entry.waiters.back());
        entry.waiters.pop_back();
        if (!entry.result && entry.waiters.empty()) entries_.erase(tenant);
        cached = std::make_shared<Result<TenantUsage>>(queued);
      }
    }
  }
  done(cached);
}

void UsageService::ForgetMissing(const std::string& tenant) {
  MutexLock lock(mu_);
  auto it = entries_.find(tenant);
  if (it == entries_.end() || it->second.fetching || !it->second.result) return;
  if (it->second.result->status().code() == Status::Code::kNotFound) entries_.erase(it);
}

void UsageService::Fetch(UsageReader& reader, const std::string& tenant) {
  // Taken before the read, so a cached answer is never older than it claims.
  const Clock::time_point started = Clock::now();
  const Answer result = std::make_shared<const Result<TenantUsage>>(reader.ReadUsage(tenant, NowMs()));
  if (!Cacheable(*result)) spdlog::warn("usage: read for tenant '{}' failed: {}", tenant, result->status().ToString());
  std::vector<Callback> waiters;
  {
    MutexLock lock(mu_);
    Entry& entry = entries_[tenant];
    waiters.swap(entry.waiters);
    entry.fetching = false;
    if (Cacheable(*result)) {
      entry.result = result;
      entry.fetched_at = started;
    }
  }
  for (Callback& done : waiters) done(result);
}

void UsageService::Abandon(const std::string& tenant, const Status& status) {
  std::vector<Callback> waiters;
  {
    MutexLock lock(mu_);
    auto it = entries_.find(tenant);
    if (it == entries_.end()) return;
    waiters.swap(it->second.waiters);
    it->second.fetching = false;
  }
  const Answer failed = std::make_shared<const Result<TenantUsage>>(status);
  for (Callback& done : waiters) done(failed);
}

}  // namespace flagmeter
