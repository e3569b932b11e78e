// VALKEY_MIN_REPLICAS_ACK against a real redis-server/valkey-server and a
// real replica of it: a push answers Ok only once enough replicas confirmed.
#include "flagmeter/queue/valkey_pusher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/test_valkey.hpp"

namespace flagmeter {
namespace {

class ReplicaAckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = master_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    replica_ = std::make_unique<test::TestValkey>(
        test::TestValkey::Options{.extra_args = {"--replicaof", "127.0.0.1", std::to_string(master_.port())}});
    const Status replica_started = replica_->Start();
    ASSERT_TRUE(replica_started.ok()) << replica_started.ToString();
    // Wait until the replica has synced and the master streams to it.
    for (int i = 0; i < 200; ++i) {
      auto master = master_.Command({"INFO", "replication"});
      auto replica = replica_->Command({"INFO", "replication"});
      if (master.ok() && master->str.find("state=online") != std::string::npos && replica.ok() &&
          replica->str.find("master_link_status:up") != std::string::npos) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the replica never connected";
  }

  QueueConfig Config(int min_replicas, int timeout_ms = 300) const {
    QueueConfig config;
    config.valkey = master_.endpoint();
    config.min_replicas_ack = min_replicas;
    config.replica_ack_timeout_ms = timeout_ms;
    return config;
  }

  static Status PushAndWait(ValkeyPusher& pusher, std::vector<std::string> events) {
    std::promise<Status> done;
    auto answer = done.get_future();
    pusher.Push(std::move(events), [&done](Status status) { done.set_value(std::move(status)); });
    return answer.get();
  }

  // Streams to a new replica at once, not after the usual 5 s delay.
  test::TestValkey master_{test::TestValkey::Options{.extra_args = {"--repl-diskless-sync-delay", "0"}}};
  std::unique_ptr<test::TestValkey> replica_;
};

TEST_F(ReplicaAckTest, APushSucceedsOnceTheReplicaConfirmsIt) {
  ValkeyPusher pusher(Config(1, /*timeout_ms=*/2000));  // ample on a busy machine
  pusher.Start();
  const Status pushed = PushAndWait(pusher, {"a", "b"});
  EXPECT_TRUE(pushed.ok()) << pushed.ToString();
  EXPECT_EQ(replica_->ListLength("events"), 2) << "the replica holds the events";
}

TEST_F(ReplicaAckTest, APushIsRefusedWhenFewerReplicasConfirmThanRequired) {
  ValkeyPusher pusher(Config(2));
  pusher.Start();
  const Status pushed = PushAndWait(pusher, {"a", "b"});
  EXPECT_EQ(pushed.code(), Status::Code::kUnavailable) << pushed.ToString();
  // "only 1 of" as a rule; "only 0 of" when the busy replica missed the 300 ms.
  EXPECT_NE(pushed.message().find("written to the master but only "), std::string::npos) << pushed.message();
  EXPECT_NE(pushed.message().find(" of VALKEY_MIN_REPLICAS_ACK=2 replicas confirmed them within 300 ms"),
            std::string::npos)
      << pushed.message();
  EXPECT_EQ(master_.ListLength("events"), 2) << "written to the master all the same";
}

TEST_F(ReplicaAckTest, APushIsRefusedWhenTheReplicaIsDown) {
  replica_->Kill();
  ValkeyPusher pusher(Config(1));
  pusher.Start();
  const Status pushed = PushAndWait(pusher, {"a"});
  EXPECT_EQ(pushed.code(), Status::Code::kUnavailable) << pushed.ToString();
  EXPECT_NE(pushed.message().find("only 0 of VALKEY_MIN_REPLICAS_ACK=1"), std::string::npos) << pushed.message();
}

}  // namespace
}  // namespace flagmeter
