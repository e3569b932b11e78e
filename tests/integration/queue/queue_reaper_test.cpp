#include "flagmeter/queue/queue_reaper.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "flagmeter/queue/valkey_queue.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter {
namespace {

using Items = std::vector<std::string>;
using std::chrono::milliseconds;

class QueueReaperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = valkey_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  QueueConfig Config(int lease_ms = 30000) const {
    QueueConfig config;
    config.valkey = valkey_.endpoint();
    config.lease_ms = lease_ms;
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

TEST_F(QueueReaperTest, PutsExpiredBatchBackAtHeadInOrder) {
  Enqueue(Events(5));
  ValkeyQueue dead_worker(Config(/*lease_ms=*/150));
  ASSERT_TRUE(dead_worker.Claim(3).ok());
  Enqueue({"late"});
  QueueReaper reaper(Config());

  auto early = reaper.RequeueExpired();
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  EXPECT_EQ(*early, 0u);  // the lease still runs

  std::this_thread::sleep_for(milliseconds(300));
  auto moved = reaper.RequeueExpired();
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, 3u);
  EXPECT_EQ(valkey_.ListItems("events"), (Items{"e0", "e1", "e2", "e3", "e4", "late"}));
  EXPECT_EQ(valkey_.ListLength("events:processing:" + dead_worker.consumer_id()), 0);
  auto members = valkey_.Command({"SCARD", "events:consumers"});
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->integer, 0);
}

TEST_F(QueueReaperTest, KeepsOrderOfBatchesLargerThanOneLuaChunk) {
  const Items all = Events(2500);
  Enqueue(all);
  ValkeyQueue dead_worker(Config(/*lease_ms=*/100));
  auto claimed = dead_worker.Claim(2400);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2400u);
  std::this_thread::sleep_for(milliseconds(250));
  QueueReaper reaper(Config());
  auto moved = reaper.RequeueExpired();
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, 2400u);
  EXPECT_EQ(valkey_.ListItems("events"), all);
}

TEST_F(QueueReaperTest, LeavesBatchOfConsumerThatRenewsItsLease) {
  Enqueue(Events(4));
  ValkeyQueue live_worker(Config(/*lease_ms=*/300));
  ValkeyQueue dead_worker(Config(/*lease_ms=*/300));
  ASSERT_TRUE(live_worker.Claim(2).ok());
  ASSERT_TRUE(dead_worker.Claim(2).ok());
  QueueReaper reaper(Config());

  std::size_t moved = 0;
  for (int i = 0; i < 6; ++i) {  // 900 ms: three leases' worth
    std::this_thread::sleep_for(milliseconds(150));
    ASSERT_TRUE(live_worker.RenewLease().ok());
    auto reaped = reaper.RequeueExpired();
    ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
    moved += *reaped;
  }
  EXPECT_EQ(moved, 2u);  // only the silent consumer's batch
  EXPECT_EQ(valkey_.ListItems("events:processing:" + live_worker.consumer_id()), (Items{"e0", "e1"}));
  EXPECT_EQ(valkey_.ListItems("events"), (Items{"e2", "e3"}));

  auto inflight = reaper.InflightCount();
  ASSERT_TRUE(inflight.ok()) << inflight.status().ToString();
  EXPECT_EQ(*inflight, 2);
}

TEST_F(QueueReaperTest, ReportsDepthInflightAndHealth) {
  Enqueue(Events(7));
  ValkeyQueue worker(Config());
  ASSERT_TRUE(worker.Claim(3).ok());
  QueueReaper reaper(Config());
  EXPECT_TRUE(reaper.Ping().ok());
  auto depth = reaper.QueueDepth();
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(*depth, 4);
  auto inflight = reaper.InflightCount();
  ASSERT_TRUE(inflight.ok());
  EXPECT_EQ(*inflight, 3);

  ASSERT_TRUE(valkey_.Stop().ok());
  const Status down = reaper.Ping();
  EXPECT_EQ(down.code(), Status::Code::kUnavailable) << down.ToString();
  EXPECT_EQ(reaper.QueueDepth().status().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace flagmeter
