#include "flagmeter/query/usage_service.hpp"

#include <spdlog/spdlog.h>

#include "flagmeter/core/clock.hpp"
#include "flagmeter/core/thread_name.hpp"

namespace flagmeter {
namespace {

// Bounds the cache when many distinct tenants are read: stale entries are
// dropped when it grows past this.
constexpr std::size_t kMaxCachedTenants = 100'000;

bool Cacheable(const Result<TenantUsage>& result) {
  return result.ok() || result.status().code() == Status::Code::kNotFound;
}

}  // namespace

UsageService::UsageService(int threads, int cache_ms, ReaderFactory make_reader, std::size_t max_pending)
    : thread_count_(threads),
      cache_ttl_(std::chrono::milliseconds(cache_ms)),
      make_reader_(std::move(make_reader)),
      max_pending_(max_pending) {}

UsageService::~UsageService() { Stop(); }

void UsageService::Start() {
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this, i] {
      SetThreadName("fm-usage-" + std::to_string(i));
      RunQueryThread();
    });
  }
}

void UsageService::Stop() {
  std::vector<Callback> abandoned;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    for (const std::string& tenant : pending_) {
      Entry& entry = entries_[tenant];
      for (Callback& waiter : entry.waiters) abandoned.push_back(std::move(waiter));
      entry.waiters.clear();
      entry.fetching = false;
    }
    pending_.clear();
  }
  wake_.notify_all();
  const Result<TenantUsage> stopped(Status::Unavailable("usage: the service is shutting down"));
  for (Callback& done : abandoned) done(stopped);
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void UsageService::GetUsage(const std::string& tenant, Callback done) {
  std::shared_ptr<const Result<TenantUsage>> cached;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      cached = std::make_shared<Result<TenantUsage>>(Status::Unavailable("usage: the service is shutting down"));
    } else {
      if (entries_.size() > kMaxCachedTenants) {
        std::erase_if(entries_, [](const auto& item) { return !item.second.fetching; });
      }
      Entry& entry = entries_[tenant];
      if (entry.result && Clock::now() - entry.fetched_at < cache_ttl_) {
        cached = entry.result;
      } else if (!entry.fetching && pending_.size() >= max_pending_) {
        // A read that joins one already queued or running costs no queue
        // slot; a new one beyond the bound is refused rather than queued.
        cached = std::make_shared<Result<TenantUsage>>(Status::Overloaded(
            "usage: " + std::to_string(pending_.size()) + " reads are waiting already (USAGE_READ_QUEUE)"));
        if (!entry.result && entry.waiters.empty()) entries_.erase(tenant);
      } else {
        entry.waiters.push_back(std::move(done));
        if (!entry.fetching) {
          entry.fetching = true;
          pending_.push_back(tenant);
          wake_.notify_one();
        }
        return;
      }
    }
  }
  done(*cached);
}

void UsageService::ForgetMissing(const std::string& tenant) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(tenant);
  if (it == entries_.end() || it->second.fetching || !it->second.result) return;
  if (it->second.result->status().code() == Status::Code::kNotFound) entries_.erase(it);
}

void UsageService::RunQueryThread() {
  std::unique_ptr<UsageReader> reader = make_reader_();
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, nothing left to read
    std::string tenant = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    Fetch(*reader, tenant);
    lock.lock();
  }
}

void UsageService::Fetch(UsageReader& reader, const std::string& tenant) {
  // Taken before the read, so a cached answer is never older than it claims.
  const Clock::time_point started = Clock::now();
  auto result = std::make_shared<const Result<TenantUsage>>(reader.ReadUsage(tenant, NowMs()));
  if (!Cacheable(*result)) spdlog::warn("usage: read for tenant '{}' failed: {}", tenant, result->status().ToString());
  std::vector<Callback> waiters;
  {
    std::lock_guard lock(mu_);
    Entry& entry = entries_[tenant];
    waiters.swap(entry.waiters);
    entry.fetching = false;
    if (Cacheable(*result)) {
      entry.result = result;
      entry.fetched_at = started;
    }
  }
  for (Callback& done : waiters) done(*result);
}

}  // namespace flagmeter
