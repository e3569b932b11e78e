#include "flagmeter/tenants/key_registry.hpp"

#include <spdlog/spdlog.h>

#include "flagmeter/core/thread_name.hpp"
#include "flagmeter/tenants/crypto.hpp"

namespace flagmeter {
namespace {

constexpr int kRefreshPageSize = 10000;
// Bounds memory and database load when clients send many distinct unknown
// keys: beyond these, misses are forgotten and look-ups refused (503).
constexpr std::size_t kMaxMisses = 100'000;
constexpr std::size_t kMaxPendingLookups = 1000;

KeyVerdict Verdict(KeyVerdict::Kind kind, std::string tenant = "") { return KeyVerdict{kind, std::move(tenant)}; }

}  // namespace

KeyRegistry::KeyRegistry(std::chrono::milliseconds refresh, StoreFactory make_store)
    : refresh_(refresh), make_store_(std::move(make_store)) {}

KeyRegistry::~KeyRegistry() { Stop(); }

void KeyRegistry::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  if (!thread_.joinable()) {
    thread_ = std::thread([this] {
      SetThreadName("fm-keys");
      RunKeyThread();
    });
  }
}

void KeyRegistry::Stop() {
  std::unordered_map<std::string, std::vector<Callback>> abandoned;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    abandoned.swap(lookups_);
  }
  wake_.notify_all();
  const Result<KeyVerdict> stopped(Status::Unavailable("api keys: the service is shutting down"));
  for (auto& [hash, waiters] : abandoned) {
    for (Callback& done : waiters) done(stopped);
  }
  if (thread_.joinable()) thread_.join();
}

std::optional<KeyVerdict> KeyRegistry::FromMemory(const std::string& hash) {
  std::shared_lock lock(keys_mu_);
  if (auto it = keys_.find(hash); it != keys_.end()) {
    return Verdict(it->second.revoked ? KeyVerdict::Kind::kRevoked : KeyVerdict::Kind::kValid, it->second.tenant);
  }
  if (auto it = misses_.find(hash); it != misses_.end() && Clock::now() < it->second) {
    return Verdict(KeyVerdict::Kind::kUnknown);
  }
  return std::nullopt;
}

void KeyRegistry::Check(std::string_view key, Callback done) {
  std::string hash = Sha256Hex(key);
  if (std::optional<KeyVerdict> known = FromMemory(hash)) {
    done(*known);
    return;
  }
  {
    std::lock_guard lock(mu_);
    auto it = lookups_.find(hash);
    if (!stopping_ && (it != lookups_.end() || lookups_.size() < kMaxPendingLookups)) {
      lookups_[hash].push_back(std::move(done));
      wake_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("api keys: too many key look-ups are waiting"));
}

void KeyRegistry::Learn(const ApiKeyEntry& entry) {
  std::unique_lock lock(keys_mu_);
  Apply(entry);
}

void KeyRegistry::Apply(const ApiKeyEntry& entry) {
  misses_.erase(entry.key_hash);
  Known& known = keys_[entry.key_hash];
  if (known.version > entry.version) return;  // an older state than the one held
  known = Known{entry.tenant_name, entry.revoked, entry.version};
}

void KeyRegistry::RunKeyThread() {
  std::unique_ptr<TenantStore> store = make_store_();
  Clock::time_point next_refresh = Clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!lookups_.empty()) {
      std::vector<std::string> hashes;
      for (const auto& [hash, waiters] : lookups_) hashes.push_back(hash);
      lock.unlock();
      LookUp(*store, std::move(hashes));
      lock.lock();
      continue;
    }
    if (Clock::now() >= next_refresh) {
      lock.unlock();
      Refresh(*store);
      lock.lock();
      next_refresh = Clock::now() + refresh_;
      continue;
    }
    wake_.wait_until(lock, next_refresh, [this] { return stopping_ || !lookups_.empty(); });
  }
}

void KeyRegistry::Refresh(TenantStore& store) {
  for (;;) {
    std::int64_t since = 0;
    {
      std::shared_lock lock(keys_mu_);
      since = version_;
    }
    Result<std::vector<ApiKeyEntry>> changed = store.KeysChangedSince(since, kRefreshPageSize);
    if (!changed.ok()) {
      spdlog::warn("api keys: refresh failed, keeping the keys known so far: {}", changed.status().ToString());
      return;
    }
    std::unique_lock lock(keys_mu_);
    for (const ApiKeyEntry& entry : *changed) {
      Apply(entry);
      version_ = std::max(version_, entry.version);
    }
    if (changed->size() < static_cast<std::size_t>(kRefreshPageSize)) return;
  }
}

void KeyRegistry::LookUp(TenantStore& store, std::vector<std::string> hashes) {
  for (const std::string& hash : hashes) {
    Result<std::optional<ApiKeyEntry>> found = store.FindKey(hash);
    Result<KeyVerdict> verdict = Verdict(KeyVerdict::Kind::kUnknown);
    if (!found.ok()) {
      spdlog::warn("api keys: look-up failed: {}", found.status().ToString());
      verdict = found.status();
    } else {
      std::unique_lock keys_lock(keys_mu_);
      if (found->has_value()) {
        Apply(**found);
        const Known& known = keys_[hash];
        verdict = Verdict(known.revoked ? KeyVerdict::Kind::kRevoked : KeyVerdict::Kind::kValid, known.tenant);
      } else {
        if (misses_.size() >= kMaxMisses) misses_.clear();
        misses_[hash] = Clock::now() + refresh_;
      }
    }
    std::vector<Callback> waiters;
    {
      std::lock_guard lock(mu_);
      if (auto it = lookups_.find(hash); it != lookups_.end()) {
        waiters = std::move(it->second);
        lookups_.erase(it);
      }
    }
    for (Callback& done : waiters) done(verdict);
  }
}

}  // namespace flagmeter
