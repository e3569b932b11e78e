// QUEUE_SHARDS=4 on one real redis-server/valkey-server: the pusher routes by
// tenant, consumers spread over the shards, the reaper, the gauges and the
// dead letters cover every shard, and the layout check refuses a changed
// shard count while events are queued.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "flagmeter/queue/event_codec.hpp"
#include "flagmeter/queue/queue_layout.hpp"
#include "flagmeter/queue/queue_reaper.hpp"
#include "flagmeter/queue/queue_shards.hpp"
#include "flagmeter/queue/valkey_dead_letter_store.hpp"
#include "flagmeter/queue/valkey_pusher.hpp"
#include "flagmeter/queue/valkey_queue.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter {
namespace {

using Items = std::vector<std::string>;
constexpr int kShards = 4;

class ShardedQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = valkey_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  QueueConfig Config(int shards = kShards) const {
    QueueConfig config;
    config.valkey = valkey_.endpoint();
    config.shards = shards;
    return config;
  }

  static std::string Shard(int i) { return "{events:" + std::to_string(i) + "}"; }

  static std::string EventText(const std::string& tenant, int i) {
    return EncodeEvent(Event{tenant + "-" + std::to_string(i), tenant, "f", 1, 1'795'000'000'000, 1'795'000'000'000, 0});
  }

  // A tenant whose events go to shard `shard`.
  static std::string TenantOfShard(int shard, int nth = 0) {
    for (int i = 0;; ++i) {
      const std::string tenant = "tenant-" + std::to_string(i);
      if (ShardOfTenant(tenant, kShards) == static_cast<std::size_t>(shard) && nth-- == 0) return tenant;
    }
  }

  void Enqueue(const std::string& list, const Items& items) {
    std::vector<std::string_view> args{"RPUSH", list};
    args.insert(args.end(), items.begin(), items.end());
    auto reply = valkey_.Command(args);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  }

  static Status PushAndWait(ValkeyPusher& pusher, Items events) {
    std::promise<Status> done;
    auto answer = done.get_future();
    pusher.Push(std::move(events), [&done](Status status) { done.set_value(std::move(status)); });
    return answer.get();
  }

  test::TestValkey valkey_;
};

TEST_F(ShardedQueueTest, EventsOfManyTenantsLandInTheirTenantsShard) {
  ValkeyPusher pusher(Config());
  pusher.Start();
  std::map<int, int> expected;
  Items batch;
  for (int t = 0; t < 40; ++t) {
    const std::string tenant = "tenant-" + std::to_string(t);
    for (int i = 0; i < 3; ++i) batch.push_back(EventText(tenant, i));
    expected[static_cast<int>(ShardOfTenant(tenant, kShards))] += 3;
  }
  const Status pushed = PushAndWait(pusher, batch);
  ASSERT_TRUE(pushed.ok()) << pushed.ToString();
  EXPECT_EQ(pusher.round_trips(), static_cast<std::uint64_t>(kShards)) << "one script call per shard";
  EXPECT_EQ(valkey_.ListLength("events"), 0) << "nothing in the single-shard list";
  for (int s = 0; s < kShards; ++s) {
    EXPECT_EQ(valkey_.ListLength(Shard(s)), expected[s]) << Shard(s);
    for (const std::string& item : valkey_.ListItems(Shard(s))) {
      Result<Event> event = DecodeEvent(item);
      ASSERT_TRUE(event.ok()) << item;
      EXPECT_EQ(ShardOfTenant(event->tenant, kShards), static_cast<std::size_t>(s)) << item;
      EXPECT_GT(event->accept_seq, 0) << "stamped by the shard's push script";
    }
  }
  auto sequence = valkey_.Command({"EXISTS", Shard(0) + ":seq"});
  ASSERT_TRUE(sequence.ok());
  EXPECT_EQ(sequence->integer, 1);
}

TEST_F(ShardedQueueTest, OneShardKeepsThePlainListAndOneRoundTrip) {
  ValkeyPusher pusher(Config(1));
  pusher.Start();
  Items batch;
  for (int t = 0; t < 40; ++t) batch.push_back(EventText("tenant-" + std::to_string(t), 0));
  const Status pushed = PushAndWait(pusher, batch);
  ASSERT_TRUE(pushed.ok()) << pushed.ToString();
  EXPECT_EQ(pusher.round_trips(), 1u);
  EXPECT_EQ(valkey_.ListLength("events"), 40);
  EXPECT_EQ(valkey_.ListLength(Shard(0)), 0);
}

TEST_F(ShardedQueueTest, ABatchSpanningShardsIsRefusedWhenOneShardIsFullAndTheOtherPartStaysQueued) {
  QueueConfig config = Config();
  config.max_depth = 4 * kShards;  // 4 events per shard
  Enqueue(Shard(1), {"a", "b", "c"});
  ValkeyPusher pusher(config);
  pusher.Start();
  const std::string full = TenantOfShard(1);
  const std::string roomy = TenantOfShard(2);
  const Status pushed = PushAndWait(pusher, {EventText(roomy, 0), EventText(full, 0), EventText(full, 1)});
  EXPECT_EQ(pushed.code(), Status::Code::kOverloaded) << pushed.ToString();
  EXPECT_NE(pushed.message().find("QUEUE_SHARDS=4"), std::string::npos) << pushed.message();
  EXPECT_EQ(valkey_.ListLength(Shard(1)), 3) << "the full shard's part was refused whole";
  EXPECT_EQ(valkey_.ListLength(Shard(2)), 1) << "the other part stays queued";
}

TEST_F(ShardedQueueTest, TwoConsumersDrainEveryShardExactlyOnce) {
  std::set<std::string> all;
  for (int s = 0; s < kShards; ++s) {
    Items items;
    for (int i = 0; i < 500 * (s + 1); ++i) items.push_back(Shard(s) + "/" + std::to_string(i));
    all.insert(items.begin(), items.end());
    Enqueue(Shard(s), items);
  }
  std::mutex mu;
  std::multiset<std::string> seen;
  auto consume = [&] {
    ValkeyQueue queue(Config());
    int empty_rounds = 0;
    while (empty_rounds < 50) {
      auto claimed = queue.Claim(64);
      ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
      if (claimed->empty()) {
        ++empty_rounds;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      empty_rounds = 0;
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.insert(claimed->begin(), claimed->end());
      }
      ASSERT_TRUE(queue.Ack().ok());
    }
  };
  std::thread first(consume);
  std::thread second(consume);
  first.join();
  second.join();
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
  for (int s = 0; s < kShards; ++s) EXPECT_EQ(valkey_.ListLength(Shard(s)), 0);
}

TEST_F(ShardedQueueTest, AHotShardDoesNotStarveAnother) {
  Items hot;
  for (int i = 0; i < 20000; ++i) hot.push_back("hot-" + std::to_string(i));
  Enqueue(Shard(0), hot);
  Enqueue(Shard(3), {"cold-0", "cold-1"});
  ValkeyQueue queue(Config());
  int claims_until_cold = 0;
  for (bool found = false; !found && claims_until_cold < 100; ++claims_until_cold) {
    auto claimed = queue.Claim(100);
    ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
    found = std::find(claimed->begin(), claimed->end(), "cold-0") != claimed->end();
    ASSERT_TRUE(queue.Ack().ok());
  }
  EXPECT_LE(claims_until_cold, kShards) << "the cold shard waited behind the hot one";
}

TEST_F(ShardedQueueTest, AnUnacknowledgedBatchIsClaimedAgainFromItsShardFirst) {
  Enqueue(Shard(0), {"a0", "a1"});
  Enqueue(Shard(1), {"b0"});
  Enqueue(Shard(2), {"c0"});
  Enqueue(Shard(3), {"d0"});
  ValkeyQueue queue(Config());
  auto first = queue.Claim(10);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->empty());
  auto again = queue.Claim(10);  // no Ack: the same batch, not another shard's
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  ASSERT_TRUE(queue.Ack().ok());
  auto next = queue.Claim(10);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(*next, *first);
  EXPECT_FALSE(next->empty());
}

TEST_F(ShardedQueueTest, ReaperPutsBackAnExpiredConsumersBatchInItsShardAndGaugesSumTheShards) {
  Enqueue(Shard(0), {"a0", "a1"});
  Enqueue(Shard(2), {"c0", "c1", "c2"});
  QueueConfig short_lease = Config();
  short_lease.lease_ms = 200;
  QueueReaper reaper(Config());
  std::string held_shard;
  {
    ValkeyQueue dying(short_lease);
    auto claimed = dying.Claim(10);
    ASSERT_TRUE(claimed.ok());
    ASSERT_FALSE(claimed->empty());
    held_shard = claimed->front()[0] == 'a' ? Shard(0) : Shard(2);
    auto depth = reaper.QueueDepth();
    auto inflight = reaper.InflightCount();
    ASSERT_TRUE(depth.ok() && inflight.ok());
    EXPECT_EQ(*depth + *inflight, 5);
    EXPECT_EQ(*inflight, static_cast<std::int64_t>(claimed->size()));
  }  // gone without Ack or Release
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto requeued = reaper.RequeueExpired();
  ASSERT_TRUE(requeued.ok()) << requeued.status().ToString();
  EXPECT_EQ(*requeued, held_shard == Shard(0) ? 2u : 3u);
  EXPECT_EQ(valkey_.ListLength(Shard(0)), 2);
  EXPECT_EQ(valkey_.ListLength(Shard(2)), 3);
  auto depth = reaper.QueueDepth();
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(*depth, 5);
}

TEST_F(ShardedQueueTest, DeadLettersOfAllShardsListInIdOrderAndRedriveToTheirShard) {
  // Two events of each of two shards, dead-lettered alternately.
  const std::string t1 = TenantOfShard(1);
  const std::string t3 = TenantOfShard(3);
  Enqueue(Shard(1), {EventText(t1, 0), EventText(t1, 1)});
  Enqueue(Shard(3), {EventText(t3, 0), EventText(t3, 1)});
  ValkeyQueue queue(Config());
  for (int batch = 0; batch < 2; ++batch) {
    auto claimed = queue.Claim(10);
    ASSERT_TRUE(claimed.ok());
    ASSERT_EQ(claimed->size(), 2u);
    for (const std::string& item : *claimed) {
      ASSERT_TRUE(queue.DeadLetter(item, DeadLetterReason::kRefused, "refused by the store: check").ok());
    }
    ASSERT_TRUE(queue.Ack().ok());
  }
  ValkeyDeadLetterStore store(Config());
  auto counts = store.Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->refused, 4);
  auto page = store.List(0, 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->entries.size(), 4u);
  EXPECT_EQ(page->total, 4);
  EXPECT_FALSE(page->more);
  // Local ids 1 and 2 in shards 1 and 3: global ids 1*4+1, 1*4+3, 2*4+1, 2*4+3.
  std::vector<std::uint64_t> ids;
  for (const DeadLetterEntry& entry : page->entries) ids.push_back(entry.id);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{5, 7, 9, 11}));
  EXPECT_EQ(page->tail_id, 11u);
  auto second_half = store.List(7, 10);
  ASSERT_TRUE(second_half.ok());
  ASSERT_EQ(second_half->entries.size(), 2u);
  EXPECT_EQ(second_half->entries[0].id, 9u);
  auto first_two = store.List(0, 2);
  ASSERT_TRUE(first_two.ok());
  ASSERT_EQ(first_two->entries.size(), 2u);
  EXPECT_TRUE(first_two->more);

  auto found = store.Find({7, 9, 8});
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE((*found)[0] && (*found)[1]);
  EXPECT_FALSE((*found)[2]);
  EXPECT_EQ((*found)[0]->event->tenant, t3);
  EXPECT_EQ((*found)[1]->event->tenant, t1);
  bool queue_full = false;
  auto moved = store.Move(DeadLetterAction::kRedrive, {*(*found)[0], *(*found)[1]}, queue_full);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, 2);
  EXPECT_EQ(valkey_.ListLength(Shard(1)), 1);
  EXPECT_EQ(valkey_.ListLength(Shard(3)), 1);
  EXPECT_EQ(valkey_.ListLength("events"), 0);
  auto rest = store.List(0, 10);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->total, 2);
}

TEST_F(ShardedQueueTest, LayoutCheckRefusesANewShardCountWhileEventsAreQueued) {
  ValkeyConnection connection(valkey_.endpoint(), 1000);
  Enqueue("events", {"a", "b"});  // a deployment made before sharding
  const Status refused = CheckQueueLayout(Config(16), connection);
  EXPECT_EQ(refused.code(), Status::Code::kFailedPrecondition) << refused.ToString();
  EXPECT_NE(refused.message().find("QUEUE_SHARDS=16 but queue 'events' was laid out with QUEUE_SHARDS=1 and "
                                   "holds 2 events"),
            std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("drain them with QUEUE_SHARDS=1 first"), std::string::npos) << refused.message();

  const Status same = CheckQueueLayout(Config(1), connection);
  EXPECT_TRUE(same.ok()) << same.ToString();
  auto recorded = valkey_.Command({"GET", "{events}:layout"});
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(recorded->str, "1");

  ASSERT_TRUE(valkey_.Command({"DEL", "events"}).ok());  // drained
  const Status changed = CheckQueueLayout(Config(4), connection);
  EXPECT_TRUE(changed.ok()) << changed.ToString();
  recorded = valkey_.Command({"GET", "{events}:layout"});
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(recorded->str, "4");

  // Dead letters count too.
  Enqueue(Shard(2) + ":dead", {"{\"n\":1,\"reason\":\"refused\"}"});
  const Status back = CheckQueueLayout(Config(1), connection);
  EXPECT_EQ(back.code(), Status::Code::kFailedPrecondition) << back.ToString();
  EXPECT_NE(back.message().find("laid out with QUEUE_SHARDS=4 and holds 1 events"), std::string::npos)
      << back.message();
}

}  // namespace
}  // namespace flagmeter
