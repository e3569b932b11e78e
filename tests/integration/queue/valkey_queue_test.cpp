#include "flagmeter/queue/valkey_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <latch>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/test_valkey.hpp"

namespace flagmeter {
namespace {

using Items = std::vector<std::string>;

class ValkeyQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = valkey_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  QueueConfig Config() const {
    QueueConfig config;
    config.valkey = valkey_.endpoint();
    return config;
  }

  void Enqueue(const Items& items) {
    std::vector<std::string_view> args{"RPUSH", "events"};
    args.insert(args.end(), items.begin(), items.end());
    auto reply = valkey_.Command(args);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  }

  static Items Events(int count, const std::string& prefix = "e") {
    Items events;
    for (int i = 0; i < count; ++i) events.push_back(prefix + std::to_string(i));
    return events;
  }

  test::TestValkey valkey_;
};

TEST_F(ValkeyQueueTest, ClaimMovesHeadIntoProcessingListAndAckDropsIt) {
  Enqueue(Events(5));
  ValkeyQueue queue(Config());
  const std::string processing = "events:processing:" + queue.consumer_id();

  auto claimed = queue.Claim(3);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(*claimed, (Items{"e0", "e1", "e2"}));
  EXPECT_EQ(valkey_.ListItems("events"), (Items{"e3", "e4"}));
  EXPECT_EQ(valkey_.ListItems(processing), *claimed);
  auto ttl = valkey_.Command({"PTTL", "events:lease:" + queue.consumer_id()});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 30000);
  auto member = valkey_.Command({"SISMEMBER", "events:consumers", queue.consumer_id()});
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->integer, 1);

  ASSERT_TRUE(queue.Ack().ok());
  EXPECT_EQ(valkey_.ListLength(processing), 0);
  auto rest = queue.Claim(10);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, (Items{"e3", "e4"}));
}

TEST_F(ValkeyQueueTest, ClaimOfTheWholeQueueLeavesItEmptyAndStillFilling) {
  Enqueue(Events(4));
  ValkeyQueue queue(Config());
  const std::string processing = "events:processing:" + queue.consumer_id();

  auto claimed = queue.Claim(4);  // exactly all of it: the list is moved, not copied
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(*claimed, (Items{"e0", "e1", "e2", "e3"}));
  EXPECT_EQ(valkey_.ListLength("events"), 0);
  EXPECT_EQ(valkey_.ListItems(processing), *claimed);

  Enqueue(Items{"later"});
  auto again = queue.Claim(10);  // not acked yet: the same batch again
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *claimed);
  ASSERT_TRUE(queue.Ack().ok());
  auto next = queue.Claim(10);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, (Items{"later"}));
  EXPECT_EQ(valkey_.ListLength("events"), 0);
}

TEST_F(ValkeyQueueTest, ClaimOnEmptyQueueReturnsNothing) {
  ValkeyQueue queue(Config());
  auto claimed = queue.Claim(100);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_TRUE(claimed->empty());
}

TEST_F(ValkeyQueueTest, ClaimReturnsUnacknowledgedBatchAgainBeforeNewEvents) {
  Enqueue(Events(4));
  ValkeyQueue queue(Config());
  ASSERT_TRUE(queue.Claim(2).ok());
  auto again = queue.Claim(2);  // e.g. the first reply was lost on the wire
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, (Items{"e0", "e1"}));
  EXPECT_EQ(valkey_.ListLength("events"), 2);
}

TEST_F(ValkeyQueueTest, ConcurrentConsumersNeverShareAnEventAndTogetherGetAll) {
  const Items all = Events(3000);
  Enqueue(all);
  Items got[2];
  std::thread consumers[2];
  // Both hold a batch before either drains the rest, so they really overlap.
  std::latch both_claimed(2);
  for (int c = 0; c < 2; ++c) {
    consumers[c] = std::thread([this, c, &got, &both_claimed] {
      ValkeyQueue queue(Config());
      for (bool first = true;; first = false) {
        auto claimed = queue.Claim(37);
        if (first) both_claimed.arrive_and_wait();
        ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
        if (claimed->empty()) return;
        got[c].insert(got[c].end(), claimed->begin(), claimed->end());
        ASSERT_TRUE(queue.Ack().ok());
      }
    });
  }
  for (auto& consumer : consumers) consumer.join();
  std::multiset<std::string> seen(got[0].begin(), got[0].end());
  seen.insert(got[1].begin(), got[1].end());
  EXPECT_FALSE(got[0].empty());
  EXPECT_FALSE(got[1].empty());
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), std::set<std::string>(all.begin(), all.end()));
  EXPECT_EQ(valkey_.ListLength("events"), 0);
}

TEST_F(ValkeyQueueTest, DeadLetterMovesOneEventWithItsReason) {
  const Items events{R"({"tenant":"a","tokens":1})", "not json \xff", R"({"tenant":"c","tokens":3})"};
  Enqueue(events);
  ValkeyQueue queue(Config());
  ASSERT_TRUE(queue.Claim(10).ok());
  const auto before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();

  ASSERT_TRUE(queue.DeadLetter(events[0], DeadLetterReason::kRefused, "tenant 'a' violates a check").ok());
  ASSERT_TRUE(queue.DeadLetter(events[1], DeadLetterReason::kUndecodable, "undecodable").ok());
  EXPECT_EQ(valkey_.ListItems("events:processing:" + queue.consumer_id()), Items{events[2]});

  const Items dead = valkey_.ListItems("events:dead");
  ASSERT_EQ(dead.size(), 2u);
  const auto first = nlohmann::json::parse(dead[0]);
  EXPECT_EQ(first["n"], 1);
  EXPECT_EQ(first["event"], nlohmann::json::parse(events[0]));
  EXPECT_EQ(first["reason"], "refused");
  EXPECT_EQ(first["detail"], "tenant 'a' violates a check");
  EXPECT_GE(first["at"].get<std::int64_t>(), before_ms);
  const auto second = nlohmann::json::parse(dead[1]);
  EXPECT_EQ(second["n"], 2);
  EXPECT_EQ(second["event"], "not json \xEF\xBF\xBD");  // kept as text, bad byte replaced
  EXPECT_EQ(second["reason"], "undecodable");
  // The per-reason counts behind the gauge move with the list.
  auto counts = valkey_.Command({"HGETALL", "events:dead:counts"});
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->elements.size(), 4u);

  const auto missing = queue.DeadLetter("never claimed", DeadLetterReason::kUndecodable, "x");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound) << missing.status().ToString();
  EXPECT_EQ(valkey_.ListLength("events:dead"), 2);
}

TEST_F(ValkeyQueueTest, DeadLetterListKeepsAtMostDeadLetterMaxDroppingTheOldest) {
  const Items events = Events(7);
  Enqueue(events);
  QueueConfig config = Config();
  config.dead_letter_max = 3;
  ValkeyQueue queue(config);
  ASSERT_TRUE(queue.Claim(10).ok());
  std::int64_t dropped = 0;
  std::string oldest_dropped;
  for (int i = 0; i < 7; ++i) {
    const DeadLetterReason reason = i % 2 == 0 ? DeadLetterReason::kUndecodable : DeadLetterReason::kRefused;
    auto moved = queue.DeadLetter(events[i], reason, "why " + std::to_string(i));
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
    dropped += moved->undecodable + moved->refused;
    if (i == 3) {
      EXPECT_EQ(moved->undecodable, 1);  // e0, the oldest, went
      EXPECT_EQ(moved->refused, 0);
      oldest_dropped = moved->oldest;
    }
    EXPECT_LE(valkey_.ListLength("events:dead"), 3);
  }
  EXPECT_EQ(dropped, 4);
  EXPECT_NE(oldest_dropped.find("\"why 0\""), std::string::npos) << oldest_dropped;
  const Items dead = valkey_.ListItems("events:dead");
  ASSERT_EQ(dead.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const auto record = nlohmann::json::parse(dead[i]);
    EXPECT_EQ(record["n"], 5 + i);
    EXPECT_EQ(record["event"], events[4 + i]);
  }
  // e4 and e6 undecodable, e5 refused: the counts follow the drops too.
  auto counts = valkey_.Command({"HMGET", "events:dead:counts", "undecodable", "refused"});
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->elements.size(), 2u);
  EXPECT_EQ(counts->elements[0].str, "2");
  EXPECT_EQ(counts->elements[1].str, "1");
}

TEST_F(ValkeyQueueTest, ReleasePutsBatchBackAtHeadInOrder) {
  Enqueue(Events(6));
  ValkeyQueue queue(Config());
  ASSERT_TRUE(queue.Claim(4).ok());
  const Status released = queue.Release();
  ASSERT_TRUE(released.ok()) << released.ToString();
  EXPECT_EQ(valkey_.ListItems("events"), Events(6));
  EXPECT_EQ(valkey_.ListLength("events:processing:" + queue.consumer_id()), 0);
  auto member = valkey_.Command({"SISMEMBER", "events:consumers", queue.consumer_id()});
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->integer, 0);
  EXPECT_TRUE(queue.Release().ok());  // nothing claimed: no-op
  EXPECT_EQ(valkey_.ListItems("events"), Events(6));
}

TEST_F(ValkeyQueueTest, UnavailableWhileServerIsDownThenReconnects) {
  Enqueue(Events(3));
  ValkeyQueue queue(Config());
  ASSERT_TRUE(queue.Claim(1).ok());
  ASSERT_TRUE(valkey_.Stop().ok());
  const Status down = queue.Ack();
  EXPECT_EQ(down.code(), Status::Code::kUnavailable) << down.ToString();
  EXPECT_NE(down.message().find("ack"), std::string::npos) << down.message();

  ASSERT_TRUE(valkey_.Start().ok());
  Status ack = down;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ack.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ack = queue.Ack();
  }
  ASSERT_TRUE(ack.ok()) << ack.ToString();
  auto next = queue.Claim(5);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, (Items{"e1", "e2"}));
}

}  // namespace
}  // namespace flagmeter
