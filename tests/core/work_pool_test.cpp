#include "flagmeter/core/work_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

namespace flagmeter {
namespace {

using std::chrono::milliseconds;

// The resource each pool thread makes: numbered in the order made.
struct Connection {
  int number = 0;
};

class WorkPoolTest : public ::testing::Test {
 protected:
  WorkPoolOptions Options(int threads, std::size_t max_queued, milliseconds backoff = milliseconds(1)) {
    return WorkPoolOptions{.group = ThreadGroup::kAdmin,
                           .name = "test",
                           .threads = threads,
                           .max_queued = max_queued,
                           .queue_setting = "TEST_QUEUE",
                           .health = &health_,
                           .backoff = RestartBackoff{backoff, backoff}};
  }

  WorkPool<Connection>::Factory Factory() {
    return [this] { return std::make_unique<Connection>(Connection{++made_}); };
  }

  ThreadHealth::Group Admin() const { return health_.Snapshot()[static_cast<std::size_t>(ThreadGroup::kAdmin)]; }

  // Posts a job that reports the resource it ran on, or the status it was abandoned with.
  static std::future<std::pair<int, Status>> Run(WorkPool<Connection>& pool) {
    auto answer = std::make_shared<std::promise<std::pair<int, Status>>>();
    auto future = answer->get_future();
    pool.Post({[answer](Connection& c) { answer->set_value({c.number, Status::Ok()}); },
               [answer](const Status& s) { answer->set_value({0, s}); }});
    return future;
  }

  ThreadHealth health_;
  std::atomic<int> made_{0};
};

TEST_F(WorkPoolTest, EachThreadHasItsOwnResourceAndHealthCountsThem) {
  WorkPool<Connection> pool(Options(3, 10), Factory());
  pool.Start();
  pool.Start();  // idempotent: still three threads
  EXPECT_EQ(Run(pool).get().second.code(), Status::Code::kOk);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  // A thread counts as running before it makes its resource: wait for both.
  while ((Admin().running < 3 || made_.load() < 3) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_EQ(Admin().expected, 3);
  EXPECT_EQ(Admin().running, 3);
  EXPECT_EQ(made_.load(), 3);
  pool.Stop();
  EXPECT_EQ(Admin().expected, 0);
  EXPECT_EQ(Admin().running, 0);
}

TEST_F(WorkPoolTest, JobsBeyondTheBoundAreRefusedAndQueuedOnesAbandonedAtStop) {
  WorkPool<Connection> pool(Options(1, 2), Factory());
  pool.Start();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> holding;
  pool.Post({[&holding, released](Connection&) {
               holding.set_value();
               released.wait();
             },
             [](const Status&) {}});
  holding.get_future().wait();  // the only thread is busy
  auto first = Run(pool);
  auto second = Run(pool);
  const Status refused = pool.TryPost({[](Connection&) {}, [](const Status&) {}});
  EXPECT_EQ(refused.code(), Status::Code::kOverloaded);
  EXPECT_NE(refused.message().find("TEST_QUEUE"), std::string::npos) << refused.message();
  EXPECT_EQ(pool.Queued(), 2u);

  std::thread stopper([&pool] { pool.Stop(); });
  // Stop abandons the queued jobs before it waits for the running one.
  EXPECT_EQ(first.get().second.code(), Status::Code::kUnavailable);
  EXPECT_EQ(second.get().second.code(), Status::Code::kUnavailable);
  release.set_value();
  stopper.join();
  EXPECT_EQ(pool.TryPost({[](Connection&) {}, [](const Status&) {}}).code(), Status::Code::kUnavailable);
}

TEST_F(WorkPoolTest, AJobThatThrowsIsAnsweredAndItsThreadRestartsWithANewResource) {
  WorkPool<Connection> pool(Options(1, 10, milliseconds(300)), Factory());
  pool.Start();
  auto failed = std::make_shared<std::promise<Status>>();
  pool.Post({[](Connection&) { throw std::runtime_error("connection broke"); },
             [failed](const Status& s) { failed->set_value(s); }});
  const Status status = failed->get_future().get();
  EXPECT_EQ(status.code(), Status::Code::kInternal);
  EXPECT_NE(status.message().find("connection broke"), std::string::npos) << status.message();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Admin().restarts == 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(Admin().restarts, 1);
  // During the 300 ms backoff the pool is short of its thread: degraded.
  EXPECT_TRUE(health_.Degraded());

  // The next job waits for the restart and runs on a new resource.
  const auto [number, ok] = Run(pool).get();
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(number, 2);
  EXPECT_FALSE(health_.Degraded());
}

}  // namespace
}  // namespace flagmeter
