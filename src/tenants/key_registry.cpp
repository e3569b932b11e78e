#include "flagmeter/tenants/key_registry.hpp"

#include <algorithm>
#include <cassert>

#include <spdlog/spdlog.h>

#include "flagmeter/tenants/crypto.hpp"

namespace flagmeter {
namespace {

constexpr int kRefreshPageSize = 10000;

KeyVerdict Verdict(KeyVerdict::Kind kind, std::string tenant = "") { return KeyVerdict{kind, std::move(tenant)}; }

}  // namespace

KeyRegistry::KeyRegistry(std::chrono::milliseconds refresh, StoreFactory make_store, std::size_t max_misses,
                         std::size_t max_pending_lookups, ThreadHealth* health)
    : refresh_(refresh),
      make_store_(std::move(make_store)),
      max_misses_(std::max<std::size_t>(max_misses, 1)),
      max_pending_lookups_(max_pending_lookups),
      thread_(health, ThreadGroup::kKeyRegistry, "fm-keys") {}

KeyRegistry::~KeyRegistry() { Stop(); }

void KeyRegistry::Start() {
  MutexLock lock(mu_);
  stopping_ = false;
  thread_.Start([this] { RunKeyThread(); }, [this] { return Stopping(); });
}

bool KeyRegistry::Stopping() {
  MutexLock lock(mu_);
  return stopping_;
}

void KeyRegistry::Stop() {
  std::unordered_map<std::string, std::vector<Callback>> abandoned;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    abandoned.swap(lookups_);
    lookup_order_.clear();
    waiting_ = 0;
  }
  wake_.NotifyAll();
  const Result<KeyVerdict> stopped(Status::Unavailable("api keys: the service is shutting down"));
  for (auto& [hash, waiters] : abandoned) {
    for (Callback& done : waiters) done(stopped);
  }
  thread_.Join();
}

std::optional<KeyVerdict> KeyRegistry::FromMemory(const std::string& hash) {
  ReaderMutexLock lock(keys_mu_);
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
    MutexLock lock(mu_);
    if (!stopping_ && waiting_ < max_pending_lookups_) {
      auto [it, added] = lookups_.try_emplace(hash);
      if (added) lookup_order_.push_back(hash);
      it->second.push_back(std::move(done));
      ++waiting_;
      wake_.NotifyOne();
      return;
    }
  }
  done(Status::Unavailable("api keys: " + std::to_string(max_pending_lookups_) +
                           " key look-ups are waiting (API_KEY_LOOKUP_QUEUE)"));
}

void KeyRegistry::Learn(const ApiKeyEntry& entry) {
  WriterMutexLock lock(keys_mu_);
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
  MutexLock lock(mu_);
  while (!stopping_) {
    // A due refresh goes first: look-ups are what clients can flood, and
    // refreshes are what makes revocations on other instances reach this one.
    if (Clock::now() >= next_refresh) {
      lock.Unlock();
      Refresh(*store);
      lock.Lock();
      next_refresh = Clock::now() + refresh_;
      continue;
    }
    if (!lookup_order_.empty()) {
      const std::string hash = std::move(lookup_order_.front());
      lookup_order_.pop_front();
      lock.Unlock();
      try {
        LookUp(*store, hash);
      } catch (...) {
        // Its waiters are answered before the thread restarts with a new store.
        AnswerLookUp(hash, Status::Internal("api keys: a key look-up failed unexpectedly"));
        throw;
      }
      lock.Lock();
      continue;
    }
    wake_.WaitUntil(mu_, next_refresh,
                    [this]() FM_REQUIRES(mu_) { return stopping_ || !lookup_order_.empty(); });
  }
}

void KeyRegistry::Refresh(TenantStore& store) {
  for (;;) {
    std::int64_t since = 0;
    {
      ReaderMutexLock lock(keys_mu_);
      since = version_;
    }
    Result<std::vector<ApiKeyEntry>> changed = store.KeysChangedSince(since, kRefreshPageSize);
    if (!changed.ok()) {
      spdlog::warn("api keys: refresh failed, keeping the keys known so far: {}", changed.status().ToString());
      return;
    }
    WriterMutexLock lock(keys_mu_);
    for (const ApiKeyEntry& entry : *changed) {
      Apply(entry);
      version_ = std::max(version_, entry.version);
    }
    if (changed->size() < static_cast<std::size_t>(kRefreshPageSize)) return;
  }
}

void KeyRegistry::RememberMiss(const std::string& hash) {
  const Clock::time_point now = Clock::now();
  // Oldest first: expired ones, then as many as the bound needs.
  while (!miss_order_.empty() && (miss_order_.front().second <= now || misses_.size() >= max_misses_ ||
                                  miss_order_.size() >= max_misses_)) {
    auto& [old_hash, until] = miss_order_.front();
    if (auto it = misses_.find(old_hash); it != misses_.end() && it->second == until) misses_.erase(it);
    miss_order_.pop_front();
  }
  const Clock::time_point until = now + refresh_;
  misses_[hash] = until;
  miss_order_.emplace_back(hash, until);
}

void KeyRegistry::LookUp(TenantStore& store, const std::string& hash) {
  Result<std::optional<ApiKeyEntry>> found = store.FindKey(hash);
  Result<KeyVerdict> verdict = Verdict(KeyVerdict::Kind::kUnknown);
  if (!found.ok()) {
    spdlog::warn("api keys: look-up failed: {}", found.status().ToString());
    verdict = found.status();
  } else {
    WriterMutexLock keys_lock(keys_mu_);
    if (found->has_value()) {
      Apply(**found);
      const Known& known = keys_[hash];
      verdict = Verdict(known.revoked ? KeyVerdict::Kind::kRevoked : KeyVerdict::Kind::kValid, known.tenant);
    } else {
      RememberMiss(hash);
    }
  }
  AnswerLookUp(hash, verdict);
}

void KeyRegistry::AnswerLookUp(const std::string& hash, const Result<KeyVerdict>& verdict) {
  std::vector<Callback> waiters;
  {
    MutexLock lock(mu_);
    if (auto it = lookups_.find(hash); it != lookups_.end()) {
      waiters = std::move(it->second);
      lookups_.erase(it);
      // waiting_ counts every callback in lookups_ (Stop empties both).
      assert(waiting_ >= waiters.size());
      waiting_ -= waiters.size();
    }
  }
  for (Callback& done : waiters) done(verdict);
}

}  // namespace flagmeter
