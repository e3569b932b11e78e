#include "flagmeter/queue/valkey_pusher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/test_valkey.hpp"

namespace flagmeter {
namespace {

class ValkeyPusherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = valkey_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  QueueConfig Config(std::int64_t max_depth = 1000000) const {
    QueueConfig config;
    config.valkey = valkey_.endpoint();
    config.max_depth = max_depth;
    return config;
  }

  // Pushes and waits for the callback.
  static Status PushAndWait(ValkeyPusher& pusher, std::vector<std::string> events) {
    std::promise<Status> done;
    auto answer = done.get_future();
    pusher.Push(std::move(events), [&done](Status status) { done.set_value(std::move(status)); });
    return answer.get();
  }

  static std::vector<std::string> Events(const std::string& prefix, int count) {
    std::vector<std::string> events;
    for (int i = 0; i < count; ++i) events.push_back(prefix + "-" + std::to_string(i));
    return events;
  }

  test::TestValkey valkey_;
};

TEST_F(ValkeyPusherTest, CoalescesConcurrentPushesAndKeepsEachRequestContiguous) {
  constexpr int kThreads = 8;
  constexpr int kPushesPerThread = 200;
  constexpr int kEventsPerPush = 5;
  ValkeyPusher pusher(Config());
  pusher.Start();
  std::atomic<int> ok{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPushesPerThread; ++i) {
        pusher.Push(Events("t" + std::to_string(t) + "p" + std::to_string(i), kEventsPerPush),
                    [&](Status status) {
                      if (status.ok()) ok.fetch_add(1);
                      answered.fetch_add(1);
                    });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  pusher.Stop();  // completes everything pending

  const int pushes = kThreads * kPushesPerThread;
  EXPECT_EQ(answered.load(), pushes);
  EXPECT_EQ(ok.load(), pushes);
  const auto items = valkey_.ListItems("events");
  ASSERT_EQ(items.size(), static_cast<std::size_t>(pushes * kEventsPerPush));
  EXPECT_LT(pusher.round_trips(), static_cast<std::uint64_t>(pushes)) << "no push was coalesced";
  EXPECT_EQ(pusher.last_known_depth(), pushes * kEventsPerPush);
  // A request's events are pushed together, in order.
  for (std::size_t i = 0; i < items.size(); i += kEventsPerPush) {
    const std::string prefix = items[i].substr(0, items[i].rfind('-'));
    for (int j = 0; j < kEventsPerPush; ++j) EXPECT_EQ(items[i + j], prefix + "-" + std::to_string(j));
  }
}

TEST_F(ValkeyPusherTest, PushesLargeRequestWholeAndInOrder) {
  ValkeyPusher pusher(Config());
  pusher.Start();
  const auto events = Events("big", 2500);  // more than one RPUSH chunk in the script
  const Status status = PushAndWait(pusher, events);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(valkey_.ListItems("events"), events);
}

TEST_F(ValkeyPusherTest, RejectsWholeRequestThatWouldExceedMaxDepth) {
  ValkeyPusher pusher(Config(/*max_depth=*/10));
  pusher.Start();
  ASSERT_TRUE(PushAndWait(pusher, Events("a", 6)).ok());

  const Status rejected = PushAndWait(pusher, Events("b", 5));
  EXPECT_EQ(rejected.code(), Status::Code::kOverloaded) << rejected.ToString();
  EXPECT_NE(rejected.message().find("MAX_QUEUE_DEPTH=10"), std::string::npos) << rejected.message();
  EXPECT_EQ(valkey_.ListLength("events"), 6);  // nothing of the rejected request

  EXPECT_TRUE(PushAndWait(pusher, Events("c", 4)).ok());  // exactly at the bound
  EXPECT_EQ(PushAndWait(pusher, Events("d", 1)).code(), Status::Code::kOverloaded);
  EXPECT_EQ(valkey_.ListLength("events"), 10);
}

TEST_F(ValkeyPusherTest, JudgesEachCoalescedRequestOnItsOwn) {
  ValkeyPusher pusher(Config(/*max_depth=*/10));
  std::vector<std::future<Status>> answers;
  std::vector<std::promise<Status>> promises(3);
  int sizes[] = {6, 6, 4};
  for (int i = 0; i < 3; ++i) {
    answers.push_back(promises[i].get_future());
    pusher.Push(Events("r" + std::to_string(i), sizes[i]),
                [&promises, i](Status status) { promises[i].set_value(std::move(status)); });
  }
  pusher.Start();  // all three are pending: one round trip carries them
  EXPECT_TRUE(answers[0].get().ok());
  EXPECT_EQ(answers[1].get().code(), Status::Code::kOverloaded);
  EXPECT_TRUE(answers[2].get().ok());
  EXPECT_EQ(pusher.round_trips(), 1u);
  auto expected = Events("r0", 6);
  for (const auto& event : Events("r2", 4)) expected.push_back(event);
  EXPECT_EQ(valkey_.ListItems("events"), expected);
}

// One call numbers every accepted request's events in a row, from one counter
// step: a refused request between them takes no numbers.
TEST_F(ValkeyPusherTest, NumbersCoalescedRequestsInOneRunSkippingRefusedOnes) {
  ValkeyPusher pusher(Config(/*max_depth=*/10));
  auto objects = [](const std::string& prefix, int count) {
    std::vector<std::string> events;
    for (int i = 0; i < count; ++i) events.push_back(R"({"i":")" + prefix + std::to_string(i) + R"("})");
    return events;
  };
  std::vector<std::future<Status>> answers;
  std::vector<std::promise<Status>> promises(3);
  int sizes[] = {3, 8, 5};
  for (int i = 0; i < 3; ++i) {
    answers.push_back(promises[i].get_future());
    pusher.Push(objects("r" + std::to_string(i) + "-", sizes[i]),
                [&promises, i](Status status) { promises[i].set_value(std::move(status)); });
  }
  pusher.Start();
  EXPECT_TRUE(answers[0].get().ok());
  EXPECT_EQ(answers[1].get().code(), Status::Code::kOverloaded);
  EXPECT_TRUE(answers[2].get().ok());
  ASSERT_EQ(pusher.round_trips(), 1u);

  const std::vector<std::string> items = valkey_.ListItems("events");
  ASSERT_EQ(items.size(), 8u);
  std::vector<long long> stamps;
  for (const std::string& item : items) {
    ASSERT_EQ(item.rfind(R"({"s":)", 0), 0u) << item;
    stamps.push_back(std::stoll(item.substr(5)));
  }
  EXPECT_NE(items[0].find(R"("i":"r0-0")"), std::string::npos) << items[0];
  EXPECT_NE(items[3].find(R"("i":"r2-0")"), std::string::npos) << items[3];
  for (std::size_t i = 1; i < stamps.size(); ++i) EXPECT_EQ(stamps[i], stamps[i - 1] + 1) << i;
  const auto counter = valkey_.Command({"GET", "events:seq"});
  ASSERT_TRUE(counter.ok()) << counter.status().ToString();
  EXPECT_EQ(std::stoll(counter->str), stamps.back());  // the next call starts above the last one
}

TEST_F(ValkeyPusherTest, AnswersUnavailableWhileServerIsDownAndRecoversByItself) {
  ValkeyPusher pusher(Config());
  pusher.Start();
  ASSERT_TRUE(PushAndWait(pusher, Events("before", 2)).ok());
  ASSERT_TRUE(valkey_.Stop().ok());

  // The first push finds the connection closed; the next one tries to
  // reconnect and is refused.
  Status down = PushAndWait(pusher, Events("lost", 1));
  for (int i = 0; i < 2 && down.message().find("connect") == std::string::npos; ++i) {
    EXPECT_EQ(down.code(), Status::Code::kUnavailable) << down.ToString();
    down = PushAndWait(pusher, Events("lost", 1));
  }
  EXPECT_EQ(down.code(), Status::Code::kUnavailable) << down.ToString();
  EXPECT_NE(down.message().find("valkey 127.0.0.1:" + std::to_string(valkey_.port()) + ": connect"),
            std::string::npos)
      << down.message();
  // Right after a failed connect, requests fail fast without a new attempt.
  const Status fast = PushAndWait(pusher, Events("lost", 1));
  EXPECT_EQ(fast.code(), Status::Code::kUnavailable);
  EXPECT_NE(fast.message().find("last attempt"), std::string::npos) << fast.message();

  ASSERT_TRUE(valkey_.Start().ok());
  Status after = Status::Unavailable("not tried");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!after.ok() && std::chrono::steady_clock::now() < deadline) {
    after = PushAndWait(pusher, Events("after", 3));
    if (!after.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(after.ok()) << after.ToString();
  auto expected = Events("before", 2);
  for (const auto& event : Events("after", 3)) expected.push_back(event);
  EXPECT_EQ(valkey_.ListItems("events"), expected);  // AOF kept the first push
}

TEST_F(ValkeyPusherTest, StopCompletesPendingPushesThenRefusesNewOnes) {
  ValkeyPusher pusher(Config());
  pusher.Start();
  std::atomic<int> ok{0};
  for (int i = 0; i < 50; ++i) {
    pusher.Push(Events("p" + std::to_string(i), 2), [&ok](Status status) {
      if (status.ok()) ok.fetch_add(1);
    });
  }
  pusher.Stop();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(valkey_.ListLength("events"), 100);

  Status late = Status::Ok();
  pusher.Push(Events("late", 1), [&late](Status status) { late = std::move(status); });
  EXPECT_EQ(late.code(), Status::Code::kUnavailable);
  EXPECT_EQ(valkey_.ListLength("events"), 100);
}

// A linger far longer than any test: a call that waited for it would never
// be answered within the test's patience.
constexpr int kEndlessLingerUs = 600'000'000;
constexpr auto kPatience = std::chrono::seconds(10);
// Long enough for a pusher that does not linger to have answered.
constexpr auto kWhileLingering = std::chrono::milliseconds(300);
constexpr auto kBusy = static_cast<int>(ValkeyPusher::kBusyRoundTripEvents);

// The answers of a test's pushes. Declared before the pusher, they outlive
// it: a test that fails early still lets the pusher's Stop answer them.
class Answers {
 public:
  std::future<Status> Push(ValkeyPusher& pusher, std::vector<std::string> events) {
    std::promise<Status>& promise = promises_.emplace_back();
    auto answer = promise.get_future();
    pusher.Push(std::move(events), [&promise](Status status) { promise.set_value(std::move(status)); });
    return answer;
  }

 private:
  std::deque<std::promise<Status>> promises_;  // a deque keeps each one where it is
};

QueueConfig WithLinger(QueueConfig config, int linger_us) {
  config.push_linger_us = linger_us;
  return config;
}

TEST_F(ValkeyPusherTest, ARequestArrivingAloneIsPushedAtOnceWhateverTheLinger) {
  Answers answers;
  ValkeyPusher pusher(WithLinger(Config(), kEndlessLingerUs));
  pusher.Start();
  // Calls that carried fewer than kBusyRoundTripEvents do not make the next one wait.
  for (int i = 0; i < 3; ++i) {
    auto answer = answers.Push(pusher, Events("alone" + std::to_string(i), kBusy - 1));
    ASSERT_EQ(answer.wait_for(kPatience), std::future_status::ready) << "request " << i << " waited for the linger";
    EXPECT_TRUE(answer.get().ok());
  }
  EXPECT_EQ(pusher.round_trips(), 3u);
}

// After a busy call the pusher gathers requests until kLingerUntilEvents
// wait, then pushes them with one call, in their order.
TEST_F(ValkeyPusherTest, AfterABusyCallRequestsAreGatheredUntilEnoughWait) {
  Answers answers;
  ValkeyPusher pusher(WithLinger(Config(), kEndlessLingerUs));
  pusher.Start();
  auto expected = Events("busy", kBusy);
  auto busy = answers.Push(pusher, expected);
  ASSERT_EQ(busy.wait_for(kPatience), std::future_status::ready);
  ASSERT_TRUE(busy.get().ok());

  constexpr int kRequestEvents = 9;
  const int requests = static_cast<int>(ValkeyPusher::kLingerUntilEvents) / kRequestEvents + 1;
  std::vector<std::future<Status>> gathered;
  for (int i = 0; i < requests; ++i) {
    const auto events = Events("r" + std::to_string(i), kRequestEvents);
    expected.insert(expected.end(), events.begin(), events.end());
    gathered.push_back(answers.Push(pusher, events));
    if (i == 0) {
      // Alone, the first one waits.
      EXPECT_EQ(gathered[0].wait_for(kWhileLingering), std::future_status::timeout);
      EXPECT_EQ(pusher.round_trips(), 1u);
    }
  }
  for (int i = 0; i < requests; ++i) {
    ASSERT_EQ(gathered[i].wait_for(kPatience), std::future_status::ready) << "request " << i;
    EXPECT_TRUE(gathered[i].get().ok());
  }
  EXPECT_EQ(pusher.round_trips(), 2u);  // every gathered request in one call
  EXPECT_EQ(valkey_.ListItems("events"), expected);
}

TEST_F(ValkeyPusherTest, StopEndsALingerAndPushesWhatWaits) {
  Answers answers;
  ValkeyPusher pusher(WithLinger(Config(), kEndlessLingerUs));
  pusher.Start();
  auto busy = answers.Push(pusher, Events("busy", kBusy));
  ASSERT_EQ(busy.wait_for(kPatience), std::future_status::ready);
  auto waiting = answers.Push(pusher, Events("waiting", 1));
  ASSERT_EQ(waiting.wait_for(kWhileLingering), std::future_status::timeout);

  pusher.Stop();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_TRUE(waiting.get().ok());
  EXPECT_EQ(valkey_.ListLength("events"), kBusy + 1);
}

TEST_F(ValkeyPusherTest, WithoutALingerEveryCallGoesAtOnce) {
  Answers answers;
  ValkeyPusher pusher(WithLinger(Config(), 0));
  pusher.Start();
  auto busy = answers.Push(pusher, Events("busy", kBusy));
  ASSERT_EQ(busy.wait_for(kPatience), std::future_status::ready);
  auto next = answers.Push(pusher, Events("next", 1));
  ASSERT_EQ(next.wait_for(kPatience), std::future_status::ready);
  EXPECT_TRUE(next.get().ok());
  EXPECT_EQ(pusher.round_trips(), 2u);
}

TEST_F(ValkeyPusherTest, AnswersOverloadedAtOnceWhenBacklogIsFull) {
  ValkeyPusher pusher(Config());
  Status backlog_answer = Status::Ok();
  pusher.Push(std::vector<std::string>(ValkeyPusher::kMaxPendingEvents, "x"),
              [&backlog_answer](Status status) { backlog_answer = std::move(status); });
  Status refused = Status::Ok();
  bool answered = false;
  pusher.Push({"y"}, [&](Status status) {
    refused = std::move(status);
    answered = true;
  });
  ASSERT_TRUE(answered);  // on the caller's thread, before any round trip
  EXPECT_EQ(refused.code(), Status::Code::kOverloaded) << refused.ToString();

  pusher.Stop();  // never started: the pending request is answered, not dropped
  EXPECT_EQ(backlog_answer.code(), Status::Code::kUnavailable);
  EXPECT_EQ(valkey_.ListLength("events"), 0);
}

}  // namespace
}  // namespace flagmeter
