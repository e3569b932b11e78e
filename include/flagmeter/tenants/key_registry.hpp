#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/core/thread_health.hpp"
#include "flagmeter/services/api_key_checker.hpp"
#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter {

/// Answers "which tenant does this key belong to, and is it revoked?"
/// without a database round trip per request. Keeps every key's state (by
/// SHA-256, never the key) in memory; one key thread with its own TenantStore
///  - reloads the keys changed since the last version it saw every
///    `refresh` (all of them at start), so a revocation made on any instance
///    is seen here within `refresh` plus one query;
///  - looks up a hash it does not know yet (a key made a moment ago on
///    another instance) once, and remembers a miss for `refresh`.
/// A due refresh runs before any further look-up, so a flood of unknown keys
/// (each one a look-up) cannot delay revocations beyond `refresh` plus one
/// look-up plus one refresh query.
/// Bounds, for clients that send many distinct unknown keys:
///  - at most `max_misses` misses are remembered; beyond it the oldest are
///    forgotten (API_KEY_MISS_CACHE);
///  - at most `max_pending_lookups` requests wait for a look-up; more are
///    refused at once with Unavailable (API_KEY_LOOKUP_QUEUE; HTTP 503).
/// Thread-safe.
class KeyRegistry final : public ApiKeyChecker {
 public:
  using StoreFactory = std::function<std::unique_ptr<TenantStore>()>;
  /// Unavailable when a needed look-up failed or too many are waiting.
  using Callback = ApiKeyChecker::Callback;

  KeyRegistry(std::chrono::milliseconds refresh, StoreFactory make_store, std::size_t max_misses = 100'000,
              std::size_t max_pending_lookups = 1000, ThreadHealth* health = nullptr);
  ~KeyRegistry();
  KeyRegistry(const KeyRegistry&) = delete;
  KeyRegistry& operator=(const KeyRegistry&) = delete;

  void Start();
  void Stop();  // fails waiting look-ups with Unavailable, joins the key thread

  /// Calls `done` exactly once: inline when memory answers (the usual case),
  /// else on the key thread after one look-up. Never blocks on the database.
  void Check(std::string_view key, Callback done) override;

  /// Records a key this instance just created or revoked, so it is seen
  /// here at once.
  void Learn(const ApiKeyEntry& entry);

 private:
  struct Known {
    std::string tenant;
    bool revoked = false;
    std::int64_t version = 0;
  };
  using Clock = std::chrono::steady_clock;

  void RunKeyThread();
  bool Stopping() FM_EXCLUDES(mu_);
  // Answers the requests waiting on the look-up of `hash`, once.
  void AnswerLookUp(const std::string& hash, const Result<KeyVerdict>& verdict) FM_EXCLUDES(mu_);
  void Refresh(TenantStore& store) FM_EXCLUDES(keys_mu_);
  void LookUp(TenantStore& store, const std::string& hash) FM_EXCLUDES(keys_mu_);
  void Apply(const ApiKeyEntry& entry) FM_REQUIRES(keys_mu_);
  void RememberMiss(const std::string& hash) FM_REQUIRES(keys_mu_);
  std::optional<KeyVerdict> FromMemory(const std::string& hash) FM_EXCLUDES(keys_mu_);

  // Constant after construction.
  const std::chrono::milliseconds refresh_;
  const StoreFactory make_store_;
  const std::size_t max_misses_;
  const std::size_t max_pending_lookups_;

  SharedMutex keys_mu_;
  std::unordered_map<std::string, Known> keys_ FM_GUARDED_BY(keys_mu_);
  std::unordered_map<std::string, Clock::time_point> misses_ FM_GUARDED_BY(keys_mu_);  // hash -> until
  // Misses in the order they were remembered (so soonest to expire first);
  // an entry whose time differs from misses_' is stale.
  std::deque<std::pair<std::string, Clock::time_point>> miss_order_ FM_GUARDED_BY(keys_mu_);
  std::int64_t version_ FM_GUARDED_BY(keys_mu_) = 0;

  Mutex mu_;
  CondVar wake_;
  std::unordered_map<std::string, std::vector<Callback>> lookups_ FM_GUARDED_BY(mu_);  // hash -> waiters
  std::deque<std::string> lookup_order_ FM_GUARDED_BY(mu_);  // first come, first looked up
  std::size_t waiting_ FM_GUARDED_BY(mu_) = 0;               // callbacks in lookups_
  bool stopping_ FM_GUARDED_BY(mu_) = false;
  SupervisedThread thread_;  // the key thread; Start/Stop's
};

}  // namespace flagmeter
