#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/store/tenant_store.hpp"

namespace flagmeter {

/// What an API key grants.
struct KeyVerdict {
  enum class Kind { kValid, kRevoked, kUnknown };
  Kind kind = Kind::kUnknown;
  std::string tenant;  // kValid, kRevoked: the key's tenant
};

/// Answers "which tenant does this key belong to, and is it revoked?"
/// without a database round trip per request. Keeps every key's state (by
/// SHA-256, never the key) in memory; one key thread with its own TenantStore
///  - reloads the keys changed since the last version it saw every
///    `refresh` (all of them at start), so a revocation made on any instance
///    is seen here within `refresh` plus one query;
///  - looks up a hash it does not know yet (a key made a moment ago on
///    another instance) once, and remembers a miss for `refresh`.
/// Thread-safe.
class KeyRegistry final {
 public:
  using StoreFactory = std::function<std::unique_ptr<TenantStore>()>;
  /// Unavailable when a needed look-up failed or too many are waiting.
  using Callback = std::function<void(const Result<KeyVerdict>&)>;

  KeyRegistry(std::chrono::milliseconds refresh, StoreFactory make_store);
  ~KeyRegistry();
  KeyRegistry(const KeyRegistry&) = delete;
  KeyRegistry& operator=(const KeyRegistry&) = delete;

  void Start();
  void Stop();  // fails waiting look-ups with Unavailable, joins the key thread

  /// Calls `done` exactly once: inline when memory answers (the usual case),
  /// else on the key thread after one look-up. Never blocks on the database.
  void Check(std::string_view key, Callback done);

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
  void Refresh(TenantStore& store);
  void LookUp(TenantStore& store, std::vector<std::string> hashes);
  void Apply(const ApiKeyEntry& entry);  // requires a unique lock on keys_mu_
  std::optional<KeyVerdict> FromMemory(const std::string& hash);

  // Constant after construction.
  const std::chrono::milliseconds refresh_;
  const StoreFactory make_store_;

  std::shared_mutex keys_mu_;
  std::unordered_map<std::string, Known> keys_;            // guarded by keys_mu_
  std::unordered_map<std::string, Clock::time_point> misses_;  // guarded by keys_mu_: hash -> until
  std::int64_t version_ = 0;                                // guarded by keys_mu_

  std::mutex mu_;
  std::condition_variable wake_;
  std::unordered_map<std::string, std::vector<Callback>> lookups_;  // guarded by mu_
  bool stopping_ = false;                                            // guarded by mu_
  std::thread thread_;                                               // owned by Start/Stop's caller
};

}  // namespace flagmeter
