#include "flagmeter/tenants/key_registry.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/fake_tenant_store.hpp"
#include "flagmeter/tenants/crypto.hpp"

namespace flagmeter {
namespace {

using namespace std::chrono_literals;

// The fake store, with key look-ups that can be slowed down, held back and
// counted: what a busy database looks like to the key thread.
class SlowLookups final : public TenantStore {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable released_cv;
    bool held = false;                    // guarded by mu: FindKey waits while true
    std::chrono::microseconds delay{0};   // guarded by mu
    std::atomic<int> find_calls{0};
    std::atomic<int> throws{0};  // look-ups that throw, as a broken connection might
  };

  SlowLookups(std::unique_ptr<TenantStore> inner, std::shared_ptr<Shared> shared)
      : inner_(std::move(inner)), shared_(std::move(shared)) {}

  Result<TenantOverviewPage> ListTenants(std::int64_t now_ms, const TenantPageRequest& page) override {
    return inner_->ListTenants(now_ms, page);
  }
  Result<TenantDetails> GetTenant(const std::string& name, std::int64_t now_ms) override {
    return inner_->GetTenant(name, now_ms);
  }
  Result<std::vector<std::string>> AdmitTenants(const std::vector<std::string>& names, bool create,
                                                std::int64_t max_tenants) override {
    return inner_->AdmitTenants(names, create, max_tenants);
  }
  Result<TenantDetails> PutTenant(const std::string& name, const TenantUpdate& update, std::int64_t now_ms,
                                  bool& created) override {
    return inner_->PutTenant(name, update, now_ms, created);
  }
  Result<ApiKeyInfo> CreateKey(const std::string& name, const std::string& key_id, const std::string& key_hash,
                               const std::string& hint) override {
    return inner_->CreateKey(name, key_id, key_hash, hint);
  }
  Result<ApiKeyEntry> RevokeKey(const std::string& name, const std::string& key_id) override {
    return inner_->RevokeKey(name, key_id);
  }
  Result<std::vector<ApiKeyEntry>> KeysChangedSince(std::int64_t version, int limit) override {
    return inner_->KeysChangedSince(version, limit);
  }
  Result<std::optional<ApiKeyEntry>> FindKey(const std::string& key_hash) override {
    ++shared_->find_calls;
    if (shared_->throws-- > 0) throw std::runtime_error("connection lost mid-query");
    std::chrono::microseconds delay{0};
    {
      std::unique_lock lock(shared_->mu);
      shared_->released_cv.wait(lock, [this] { return !shared_->held; });
      delay = shared_->delay;
    }
    std::this_thread::sleep_for(delay);
    return inner_->FindKey(key_hash);
  }

 private:
  std::unique_ptr<TenantStore> inner_;
  std::shared_ptr<Shared> shared_;
};

class KeyRegistryTest : public ::testing::Test {
 protected:
  std::unique_ptr<KeyRegistry> MakeRegistry(std::chrono::milliseconds refresh, std::size_t max_misses,
                                            std::size_t max_pending, ThreadHealth* health = nullptr) {
    return std::make_unique<KeyRegistry>(
        refresh, [this] { return std::make_unique<SlowLookups>(fake_.NewStore(), shared_); }, max_misses,
        max_pending, health);
  }

  // Waits for the verdict on `key`; Unavailable as a status.
  static Result<KeyVerdict> CheckNow(KeyRegistry& registry, const std::string& key) {
    auto promise = std::make_shared<std::promise<Result<KeyVerdict>>>();
    std::future<Result<KeyVerdict>> verdict = promise->get_future();
    registry.Check(key, [promise](const Result<KeyVerdict>& result) { promise->set_value(result); });
    if (verdict.wait_for(10s) != std::future_status::ready) return Status::Internal("test: no verdict in 10 s");
    return verdict.get();
  }

  void SetHeld(bool held) {
    {
      std::lock_guard lock(shared_->mu);
      shared_->held = held;
    }
    shared_->released_cv.notify_all();
  }

  fakes::FakeTenantStore fake_;
  std::shared_ptr<SlowLookups::Shared> shared_ = std::make_shared<SlowLookups::Shared>();
};

// Before: the key thread served look-ups whenever one waited, so a steady
// stream of unknown keys kept it from ever refreshing, and a key revoked
// elsewhere stayed valid here for as long as the stream lasted.
TEST_F(KeyRegistryTest, AFloodOfUnknownKeysDoesNotDelayRevocations) {
  std::unique_ptr<TenantStore> admin = fake_.NewStore();
  bool created = false;
  ASSERT_TRUE(admin->PutTenant("acme", {}, 0, created).ok());
  const std::string key = "fm_the-key-of-acme";
  ASSERT_TRUE(admin->CreateKey("acme", "key_1", Sha256Hex(key), "acme").ok());
  {
    std::lock_guard lock(shared_->mu);
    shared_->delay = 200us;
  }
  auto registry = MakeRegistry(100ms, 100'000, 64);
  registry->Start();
  Result<KeyVerdict> before = CheckNow(*registry, key);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_EQ(before->kind, KeyVerdict::Kind::kValid);

  // Keeps the look-up queue full of distinct unknown keys.
  std::atomic<bool> flooding{true};
  std::thread flood([&] {
    for (std::uint64_t n = 0; flooding; ++n) {
      registry->Check("fm_unknown-" + std::to_string(n), [](const Result<KeyVerdict>&) {});
      if (n % 64 == 0) std::this_thread::sleep_for(50us);
    }
  });
  std::this_thread::sleep_for(300ms);  // the flood is under way
  ASSERT_TRUE(admin->RevokeKey("acme", "key_1").ok());
  const auto revoked_at = std::chrono::steady_clock::now();
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() - revoked_at < 5s) {
    Result<KeyVerdict> verdict = CheckNow(*registry, key);
    refused = verdict.ok() && verdict->kind == KeyVerdict::Kind::kRevoked;
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - revoked_at);
  flooding = false;
  flood.join();
  EXPECT_TRUE(refused) << "the revoked key was still valid " << waited.count() << " ms after the revocation";
  std::cout << "revocation seen after " << waited.count() << " ms (refresh every 100 ms) under "
            << shared_->find_calls.load() << " look-ups\n";
  registry->Stop();
}

TEST_F(KeyRegistryTest, LookUpsBeyondTheQueueBoundAreRefusedAtOnce) {
  SetHeld(true);
  auto registry = MakeRegistry(60s, 100'000, 4);
  registry->Start();
  std::atomic<int> unavailable{0};
  std::atomic<int> unknown{0};
  for (int n = 0; n < 10; ++n) {
    registry->Check("fm_unknown-" + std::to_string(n % 7), [&](const Result<KeyVerdict>& verdict) {
      if (!verdict.ok()) {
        ++unavailable;
        EXPECT_NE(verdict.status().message().find("API_KEY_LOOKUP_QUEUE"), std::string::npos);
      } else if (verdict->kind == KeyVerdict::Kind::kUnknown) {
        ++unknown;
      }
    });
  }
  EXPECT_EQ(unavailable.load(), 6) << "4 requests may wait, the other 6 are refused without waiting";
  SetHeld(false);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (unknown.load() < 4 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(unknown.load(), 4);
  Result<KeyVerdict> after = CheckNow(*registry, "fm_unknown-9");
  ASSERT_TRUE(after.ok()) << "the queue has room again: " << after.status().ToString();
  registry->Stop();
}

TEST_F(KeyRegistryTest, TheMissCacheKeepsAtMostItsBoundForgettingTheOldest) {
  auto registry = MakeRegistry(60s, 2, 100);
  registry->Start();
  for (const char* key : {"fm_a", "fm_b", "fm_c"}) ASSERT_TRUE(CheckNow(*registry, key).ok());
  EXPECT_EQ(shared_->find_calls.load(), 3);
  ASSERT_TRUE(CheckNow(*registry, "fm_c").ok());
  ASSERT_TRUE(CheckNow(*registry, "fm_b").ok());
  EXPECT_EQ(shared_->find_calls.load(), 3) << "the two newest misses are remembered";
  ASSERT_TRUE(CheckNow(*registry, "fm_a").ok());
  EXPECT_EQ(shared_->find_calls.load(), 4) << "the oldest miss was forgotten and looked up again";
  registry->Stop();
}

TEST_F(KeyRegistryTest, ALookUpThatThrowsIsAnsweredAndTheKeyThreadRestarts) {
  ThreadHealth health;
  auto registry = MakeRegistry(60s, 100, 100, &health);
  registry->Start();
  shared_->throws = 1;
  const std::string key = "fm_" + std::string(43, 'q');
  const Result<KeyVerdict> failed = CheckNow(*registry, key);
  EXPECT_EQ(failed.status().code(), Status::Code::kInternal) << failed.status().ToString();
  // After the restart the same key is looked up again, and found unknown.
  const Result<KeyVerdict> again = CheckNow(*registry, key);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->kind, KeyVerdict::Kind::kUnknown);
  EXPECT_EQ(health.Snapshot()[static_cast<std::size_t>(ThreadGroup::kKeyRegistry)].restarts, 1);
  EXPECT_FALSE(health.Degraded());
}

}  // namespace
}  // namespace flagmeter
