#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/core/work_pool.hpp"
#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter {

/// Serves usage reads off the io threads. Owns a WorkPool of `threads` query
/// threads (fm-usage-N), each with its own UsageReader, so reads never queue
/// behind a worker's batch. A short per-process cache (at most
/// `cache_ms` old, within the 1 s freshness the API promises) and coalescing
/// of concurrent misses keep thousands of reads per second at about one query
/// per tenant per `cache_ms`. The cache holds nothing another instance needs.
/// At most `max_pending` tenants wait for a read (USAGE_READ_QUEUE); a read
/// beyond that fails at once with Overloaded. Thread-safe.
class UsageService final {
 public:
  using ReaderFactory = std::function<std::unique_ptr<UsageReader>()>;
  /// The answer itself, shared with every other reader of the tenant while
  /// it is cached: no copy per request.
  using Answer = std::shared_ptr<const Result<TenantUsage>>;
  /// The same type as ReplyCallback<TenantUsage>, so the query service
  /// hands its caller's callback through unwrapped (as HistoryService's).
  using Callback = std::function<void(Answer)>;
  using Clock = std::chrono::steady_clock;

  UsageService(int threads, int cache_ms, ReaderFactory make_reader, std::size_t max_pending = 1000,
               ThreadHealth* health = nullptr);
  ~UsageService();
  UsageService(const UsageService&) = delete;
  UsageService& operator=(const UsageService&) = delete;

  void Start();
  /// Finishes the reads already taken, fails the queued ones with
  /// Unavailable, and joins the threads.
  void Stop();

  /// Calls `done` exactly once: inline when the cache answers or the read
  /// cannot be queued (stopping: Unavailable; `max_pending` reads waiting:
  /// Overloaded), otherwise on a query thread. Never blocks on the database.
  void GetUsage(const std::string& tenant, Callback done);

  /// Drops a cached "not found" for `tenant`, e.g. once it was just created.
  void ForgetMissing(const std::string& tenant);

 private:
  struct Entry {
    Answer result;  // null while the first read runs
    Clock::time_point fetched_at;
    bool fetching = false;
    std::vector<Callback> waiters;
  };

  // Reads `tenant` on a query thread and answers its waiters.
  void Fetch(UsageReader& reader, const std::string& tenant) FM_EXCLUDES(mu_);
  // Answers the waiters of `tenant` with `status` (the read did not run).
  void Abandon(const std::string& tenant, const Status& status) FM_EXCLUDES(mu_);

  // Constant after construction.
  const Clock::duration cache_ttl_;

  Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ FM_GUARDED_BY(mu_);
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  WorkPool<UsageReader> readers_;  // after mu_: its jobs use entries_
};

}  // namespace flagmeter
