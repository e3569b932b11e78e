#include "flagmeter/alerts/bounded_resolver.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace flagmeter {
namespace {

namespace ip = boost::asio::ip;

// A look-up that hangs until the test lets it go, like a resolver whose
// DNS server never answers.
struct HungResolver {
  struct Shared {
    std::mutex mu;
    std::condition_variable released_cv;
    bool released = false;
    std::atomic<int> started{0};
    std::atomic<int> finished{0};
  };
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();

  ResolveFunction Function() const {
    return [shared = shared](const std::string&) -> Result<Addresses> {
      shared->started.fetch_add(1);
      std::unique_lock lock(shared->mu);
      shared->released_cv.wait(lock, [&] { return shared->released; });
      shared->finished.fetch_add(1);
      return Addresses{ip::make_address("93.184.216.34")};
    };
  }
  void Release() const {
    std::lock_guard lock(shared->mu);
    shared->released = true;
    shared->released_cv.notify_all();
  }
};

template <typename Predicate>
void WaitUntil(Predicate done) {
  for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void WaitUntilNoneAbandoned() {
  WaitUntil([] { return AbandonedResolutions() == 0; });
}

TEST(BoundedResolver, AHungLookUpEndsAtTheDeadlineWhileItStillHangs) {
  HungResolver hung;
  const Result<Addresses> answer = ResolveWithin("slow.example", std::chrono::milliseconds(50), hung.Function());
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().message(), "resolve slow.example: timed out after 50 ms");
  // The caller got its answer while the look-up was still blocked: the
  // deadline, not the resolver, ended the wait.
  EXPECT_EQ(AbandonedResolutions(), 1);
  WaitUntil([&] { return hung.shared->started.load() > 0; });  // the look-up thread may start late
  EXPECT_EQ(hung.shared->started.load(), 1);
  EXPECT_EQ(hung.shared->finished.load(), 0);
  hung.Release();
  WaitUntilNoneAbandoned();
  EXPECT_EQ(AbandonedResolutions(), 0);
  EXPECT_EQ(hung.shared->finished.load(), 1);
}

TEST(BoundedResolver, PastTheLimitOfHungLookUpsNoneIsStarted) {
  HungResolver hung;
  for (int i = 0; i < kMaxAbandonedResolutions; ++i) {
    EXPECT_FALSE(ResolveWithin("slow.example", std::chrono::milliseconds(1), hung.Function()).ok());
  }
  EXPECT_EQ(AbandonedResolutions(), kMaxAbandonedResolutions);
  const Result<Addresses> refused = ResolveWithin("slow.example", std::chrono::milliseconds(1000), hung.Function());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("still hang"), std::string::npos) << refused.status().message();
  hung.Release();
  WaitUntilNoneAbandoned();
  EXPECT_EQ(AbandonedResolutions(), 0);
  EXPECT_EQ(hung.shared->finished.load(), kMaxAbandonedResolutions) << "the refused one never started";
}

TEST(BoundedResolver, LiteralsNeedNoLookUpAndAnswersPassThrough) {
  std::atomic<int> calls{0};
  const ResolveFunction counting = [&calls](const std::string&) -> Result<Addresses> {
    calls.fetch_add(1);
    return Addresses{ip::make_address("2606:4700::1111")};
  };
  const Result<Addresses> literal = ResolveWithin("10.0.0.1", std::chrono::milliseconds(1000), counting);
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(literal->front().to_string(), "10.0.0.1");
  EXPECT_EQ(calls.load(), 0);
  const Result<Addresses> named = ResolveWithin("hooks.example", std::chrono::milliseconds(5000), counting);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->front().to_string(), "2606:4700::1111");
  EXPECT_EQ(calls.load(), 1);
}

TEST(BoundedResolver, TheSystemResolverKnowsLocalhost) {
  const Result<Addresses> local = ResolveWithin("localhost", std::chrono::milliseconds(5000));
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  for (const auto& address : *local) EXPECT_TRUE(address.is_loopback()) << address.to_string();
}

}  // namespace
}  // namespace flagmeter
