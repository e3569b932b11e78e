#include "flagmeter/query/usage_service.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace flagmeter {
namespace {

// Counts reads; answers NotFound for "ghost", Unavailable for "down", and
// `tokens_` for anyone else. Can hold reads until released.
class FakeReader final : public UsageReader {
 public:
  struct Shared {
    std::atomic<int> reads{0};
    std::atomic<int> started{0};  // reads begun, held or not
    std::atomic<std::int64_t> tokens{0};
    std::atomic<int> throws{0};  // reads of "boom" that throw
    std::mutex mu;
    std::condition_variable cv;
    bool hold = false;
  };
  explicit FakeReader(Shared& shared) : shared_(shared) {}

  Result<TenantUsage> ReadUsage(const std::string& tenant, std::int64_t) override {
    ++shared_.started;
    {
      std::unique_lock lock(shared_.mu);
      shared_.cv.wait(lock, [this] { return !shared_.hold; });
    }
    ++shared_.reads;
    if (tenant == "ghost") return Status::NotFound("Tenant 'ghost' not found");
    if (tenant == "down") return Status::Unavailable("database down");
    if (tenant == "boom" && shared_.throws-- > 0) throw std::runtime_error("lost the connection");
    TenantUsage usage;
    usage.tenant_name = tenant;
    usage.total_tokens = shared_.tokens.load();
    return usage;
  }
  Status Ping() override { return Status::Ok(); }

 private:
  Shared& shared_;
};

class UsageServiceTest : public ::testing::Test {
 protected:
  std::unique_ptr<UsageService> Make(int cache_ms) {
    auto service = std::make_unique<UsageService>(2, cache_ms, [this] { return std::make_unique<FakeReader>(shared_); });
    service->Start();
    return service;
  }

  static UsageService::Answer GetAnswer(UsageService& service, const std::string& tenant) {
    std::promise<UsageService::Answer> answer;
    service.GetUsage(tenant, [&answer](const UsageService::Answer& result) { answer.set_value(result); });
    return answer.get_future().get();
  }
  static Result<TenantUsage> Get(UsageService& service, const std::string& tenant) {
    return *GetAnswer(service, tenant);
  }

  FakeReader::Shared shared_;
};

TEST_F(UsageServiceTest, AFreshAnswerIsReusedWithinTheCacheTime) {
  auto service = Make(60'000);
  shared_.tokens = 5;
  EXPECT_EQ(Get(*service, "acme")->total_tokens, 5);
  shared_.tokens = 9;
  EXPECT_EQ(Get(*service, "acme")->total_tokens, 5);
  EXPECT_EQ(shared_.reads, 1);
  EXPECT_EQ(Get(*service, "globex")->total_tokens, 9);
  EXPECT_EQ(shared_.reads, 2);
}

// Readers within the cache time share the cached answer itself, so the io
// threads can keep what they wrote from it (UsageAnswerMemo).
TEST_F(UsageServiceTest, ReadersWithinTheCacheTimeShareOneAnswerObject) {
  auto service = Make(60'000);
  const UsageService::Answer first = GetAnswer(*service, "acme");
  const UsageService::Answer second = GetAnswer(*service, "acme");
  EXPECT_EQ(first.get(), second.get());
  EXPECT_NE(GetAnswer(*service, "globex").get(), first.get());
}

TEST_F(UsageServiceTest, WithoutCacheEveryReadGoesToTheDatabase) {
  auto service = Make(0);
  shared_.tokens = 5;
  EXPECT_EQ(Get(*service, "acme")->total_tokens, 5);
  shared_.tokens = 9;
  EXPECT_EQ(Get(*service, "acme")->total_tokens, 9);
  EXPECT_EQ(shared_.reads, 2);
}

TEST_F(UsageServiceTest, ConcurrentMissesForOneTenantShareOneRead) {
  auto service = Make(60'000);
  {
    std::lock_guard lock(shared_.mu);
    shared_.hold = true;
  }
  std::atomic<int> answered{0};
  for (int i = 0; i < 50; ++i) {
    service->GetUsage("acme", [&answered](const UsageService::Answer& result) {
      if (result->ok()) ++answered;
    });
  }
  {
    std::lock_guard lock(shared_.mu);
    shared_.hold = false;
  }
  shared_.cv.notify_all();
  for (int i = 0; i < 500 && answered < 50; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(answered, 50);
  EXPECT_EQ(shared_.reads, 1);
}

TEST_F(UsageServiceTest, NotFoundIsCachedButUnavailableIsNot) {
  auto service = Make(60'000);
  EXPECT_EQ(Get(*service, "ghost").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(Get(*service, "ghost").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(shared_.reads, 1);
  EXPECT_EQ(Get(*service, "down").status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(Get(*service, "down").status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(shared_.reads, 3);
}

TEST_F(UsageServiceTest, AfterStopReadsFailAsUnavailable) {
  auto service = Make(60'000);
  service->Stop();
  EXPECT_EQ(Get(*service, "acme").status().code(), Status::Code::kUnavailable);
}

TEST_F(UsageServiceTest, ReadsBeyondTheQueueBoundAreOverloadedAtOnce) {
  UsageService service(1, 0, [this] { return std::make_unique<FakeReader>(shared_); }, 1);
  service.Start();
  {
    std::lock_guard lock(shared_.mu);
    shared_.hold = true;
  }
  std::atomic<int> answered{0};
  auto count = [&answered](const UsageService::Answer& result) {
    if (result->ok()) ++answered;
  };
  service.GetUsage("held", count);
  for (int i = 0; i < 500 && shared_.started == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(shared_.started, 1);
  service.GetUsage("queued", count);
  service.GetUsage("queued", count);  // joins the queued read: no second slot
  EXPECT_EQ(Get(service, "refused").status().code(), Status::Code::kOverloaded);
  {
    std::lock_guard lock(shared_.mu);
    shared_.hold = false;
  }
  shared_.cv.notify_all();
  for (int i = 0; i < 500 && answered < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(answered, 3);
  EXPECT_TRUE(Get(service, "refused").ok());  // room again
}

TEST_F(UsageServiceTest, AReaderThatThrowsAnswersItsWaitersAndIsRestarted) {
  ThreadHealth health;
  UsageService service(1, 60'000, [this] { return std::make_unique<FakeReader>(shared_); }, 10, &health);
  service.Start();
  shared_.throws = 1;
  const Result<TenantUsage> failed = Get(service, "boom");
  EXPECT_EQ(failed.status().code(), Status::Code::kInternal);
  EXPECT_NE(failed.status().message().find("lost the connection"), std::string::npos);
  // The tenant's read is not left marked as running: the next one reads again, on the restarted thread.
  shared_.tokens = 7;
  EXPECT_EQ(Get(service, "boom")->total_tokens, 7);
  EXPECT_EQ(health.Snapshot()[static_cast<std::size_t>(ThreadGroup::kUsageReaders)].restarts, 1);
  EXPECT_FALSE(health.Degraded());
}

}  // namespace
}  // namespace flagmeter
