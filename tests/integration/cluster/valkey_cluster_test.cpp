// ValkeyConnection in cluster mode against a real 3-master, 3-replica
// cluster (support/test_valkey_cluster.hpp): key slots, routing, MOVED, ASK,
// TRYAGAIN and a failover.
#include <gtest/gtest.h>

#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "flagmeter/core/valkey_cluster_counters.hpp"
#include "flagmeter/queue/valkey_connection.hpp"
#include "queue/cluster_slots.hpp"
#include "support/test_valkey_cluster.hpp"

namespace flagmeter::test {
namespace {

constexpr int kConnectTimeoutMs = 1000;

// Sets KEYS[1] and a key it builds from ARGV[1] (a prefix carrying KEYS[1]'s
// hash tag, as the queue's scripts do), then reads KEYS[1] back.
constexpr ValkeyScript kSetBoth{"set_both",
                                "redis.call('SET', KEYS[1], ARGV[2]) "
                                "redis.call('SET', ARGV[1] .. ':copy', ARGV[2]) "
                                "return redis.call('GET', KEYS[1])"};

// Keys of the form "<prefix>:<n>" until one lands on each master, `per_master`
// each; keys with a hash tag when `tagged`.
std::map<int, std::vector<std::string>> KeysOnEveryMaster(TestValkeyCluster& cluster, const std::string& prefix,
                                                         std::size_t per_master, bool tagged) {
  std::map<int, std::vector<std::string>> keys;
  for (int n = 0; n < 100000; ++n) {
    const std::string key = tagged ? "{" + prefix + std::to_string(n) + "}:x" : prefix + ":" + std::to_string(n);
    auto& list = keys[cluster.MasterOfSlot(ClusterKeySlot(key))];
    if (list.size() < per_master) list.push_back(key);
    bool done = keys.size() >= static_cast<std::size_t>(TestValkeyCluster::kMasters);
    for (const auto& [node, found] : keys) done = done && found.size() >= per_master;
    if (done) break;
  }
  return keys;
}

class ValkeyClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new TestValkeyCluster();
    const Status started = cluster_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr);
    const Status healthy = cluster_->WaitUntilHealthy();
    ASSERT_TRUE(healthy.ok()) << healthy.ToString();
  }

  static TestValkeyCluster& cluster() { return *cluster_; }
  ValkeyConnection NewConnection() const { return ValkeyConnection(cluster_->endpoint(), kConnectTimeoutMs); }

  static TestValkeyCluster* cluster_;
};

TestValkeyCluster* ValkeyClusterTest::cluster_ = nullptr;

TEST_F(ValkeyClusterTest, OurSlotOfEveryKeyIsClusterKeyslot) {
  std::mt19937 random(12345);
  const std::string alphabet = "ab{}{}:x\xff_0";
  std::uniform_int_distribution<std::size_t> length(0, 24);
  std::uniform_int_distribution<std::size_t> letter(0, alphabet.size() - 1);
  std::vector<std::string> keys{"123456789", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}",
                                "events", "{events}:processing:w1"};
  for (int i = 0; i < 3000; ++i) {
    std::string key;
    for (std::size_t n = length(random); n > 0; --n) key += alphabet[letter(random)];
    keys.push_back(i % 2 == 0 ? key : "{tenant-" + std::to_string(i) + "}:" + key);
  }
  int mismatches = 0;
  for (const std::string& key : keys) {
    Result<ValkeyReply> slot = cluster().Command(0, {"CLUSTER", "KEYSLOT", key});
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    if (slot->integer != ClusterKeySlot(key)) {
      ++mismatches;
      ADD_FAILURE() << "key '" << key << "': ours " << ClusterKeySlot(key) << ", server " << slot->integer;
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << keys.size() << " keys";
}

TEST_F(ValkeyClusterTest, CommandsAndScriptsReachTheirKeysOnEveryMaster) {
  ValkeyConnection connection = NewConnection();
  const auto plain = KeysOnEveryMaster(cluster(), "plain", 3, /*tagged=*/false);
  const auto tagged = KeysOnEveryMaster(cluster(), "tag", 3, /*tagged=*/true);
  ASSERT_EQ(plain.size(), 3u);
  ASSERT_EQ(tagged.size(), 3u);
  const auto before = ValkeyClusterCounters::Get().Read();
  for (const auto& [owner, keys] : plain) {
    for (const std::string& key : keys) {
      ASSERT_TRUE(connection.Command({"SET", key, "v-" + key}).ok());
      // The value is on the slot's master itself.
      Result<ValkeyReply> direct = cluster().Command(owner, {"GET", key});
      ASSERT_TRUE(direct.ok()) << direct.status().ToString();
      EXPECT_EQ(direct->str, "v-" + key);
      // A keyless command follows the previous one to its node.
      Result<ValkeyReply> info = connection.Command({"INFO", "server"});
      ASSERT_TRUE(info.ok());
      EXPECT_NE(info->str.find("tcp_port:" + std::to_string(cluster().port(owner))), std::string::npos) << key;
      Result<ValkeyReply> wait = connection.Command({"WAIT", "1", "2000"});
      ASSERT_TRUE(wait.ok()) << wait.status().ToString();
      EXPECT_EQ(wait->integer, 1) << "the owner's replica confirmed the SET";
    }
  }
  for (const auto& [owner, keys] : tagged) {
    for (const std::string& key : keys) {
      const std::string tag = key.substr(0, key.find('}') + 1);
      Result<ValkeyReply> reply = connection.Eval(kSetBoth, {key}, {tag, "s-" + key});
      ASSERT_TRUE(reply.ok()) << reply.status().ToString();
      EXPECT_EQ(reply->str, "s-" + key);
      Result<ValkeyReply> copy = cluster().Command(owner, {"GET", tag + ":copy"});
      ASSERT_TRUE(copy.ok()) << copy.status().ToString();
      EXPECT_EQ(copy->str, "s-" + key);
    }
  }
  const auto after = ValkeyClusterCounters::Get().Read();
  EXPECT_EQ(after.moved, before.moved) << "every call went to the right master at once";
  EXPECT_EQ(after.ask, before.ask);
}

TEST_F(ValkeyClusterTest, NoScriptOnTheOwnerLoadsTheScriptThereAgain) {
  ValkeyConnection connection = NewConnection();
  const std::string key = "{noscript}:k";
  ASSERT_TRUE(connection.Eval(kSetBoth, {key}, {"{noscript}", "1"}).ok());
  const int owner = cluster().MasterOfSlot(ClusterKeySlot(key));
  ASSERT_TRUE(cluster().Command(owner, {"SCRIPT", "FLUSH"}).ok());
  Result<ValkeyReply> again = connection.Eval(kSetBoth, {key}, {"{noscript}", "2"});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->str, "2");
}

TEST_F(ValkeyClusterTest, MovedAfterTheSlotMovesIsFollowedAndRefreshesTheMap) {
  ValkeyConnection connection = NewConnection();
  const std::string key = "{moved}:k";
  const int slot = ClusterKeySlot(key);
  ASSERT_TRUE(connection.Command({"SET", key, "before"}).ok());  // the map is read and the slot's owner known
  const int from = cluster().MasterOfSlot(slot);
  int to = -1;
  for (int master : cluster().Masters()) {
    if (master != from) to = master;
  }
  ASSERT_GE(to, 0);
  const Status moved_slot = cluster().MoveSlot(slot, to);
  ASSERT_TRUE(moved_slot.ok()) << moved_slot.ToString();
  ASSERT_EQ(cluster().MasterOfSlot(slot), to);

  const auto before = ValkeyClusterCounters::Get().Read();
  Result<ValkeyReply> value = connection.Command({"GET", key});
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(value->str, "before");
  const auto after = ValkeyClusterCounters::Get().Read();
  EXPECT_EQ(after.moved, before.moved + 1);
  EXPECT_GE(after.slot_map_refreshes, before.slot_map_refreshes + 1);
  // The map now knows: the next call goes straight to the new owner.
  ASSERT_TRUE(connection.Eval(kSetBoth, {key}, {"{moved}", "after"}).ok());
  EXPECT_EQ(ValkeyClusterCounters::Get().Read().moved, after.moved);
  Result<ValkeyReply> direct = cluster().Command(to, {"GET", key});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->str, "after");
}

TEST_F(ValkeyClusterTest, AskWhileTheSlotMigratesIsFollowedWithAsking) {
  ValkeyConnection connection = NewConnection();
  const std::string key = "{ask}:k";
  const int slot = ClusterKeySlot(key);
  ASSERT_TRUE(connection.Command({"SET", key, "migrated"}).ok());
  const int from = cluster().MasterOfSlot(slot);
  int to = -1;
  for (int master : cluster().Masters()) {
    if (master != from) to = master;
  }
  ASSERT_TRUE(cluster().BeginSlotMigration(slot, to).ok());
  ASSERT_TRUE(cluster().MigrateKey(slot, to, key).ok());

  const auto before = ValkeyClusterCounters::Get().Read();
  Result<ValkeyReply> value = connection.Command({"GET", key});
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(value->str, "migrated");
  // A script on the migrated key: SCRIPT LOAD on the importing node, then
  // ASKING right before EVALSHA.
  Result<ValkeyReply> script = connection.Eval(kSetBoth, {key}, {"{ask}", "scripted"});
  ASSERT_TRUE(script.ok()) << script.status().ToString();
  EXPECT_EQ(script->str, "scripted");
  const auto after = ValkeyClusterCounters::Get().Read();
  EXPECT_EQ(after.ask, before.ask + 2);
  EXPECT_EQ(after.moved, before.moved) << "ASK leaves the map as it is";
  EXPECT_EQ(cluster().MasterOfSlot(slot), from);

  ASSERT_TRUE(cluster().FinishSlotMigration(slot, to).ok());
  Result<ValkeyReply> finished = connection.Command({"GET", key});
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->str, "scripted");
}

TEST_F(ValkeyClusterTest, TryAgainIsRetriedUntilTheMigrationGetsOnThenGivenUp) {
  ValkeyEndpoint endpoint = cluster().endpoint();
  endpoint.cluster_retry_budget_ms = 600;
  ValkeyConnection connection(endpoint, kConnectTimeoutMs);
  const std::string a = "{try}:a";
  const std::string b = "{try}:b";
  const int slot = ClusterKeySlot(a);
  ASSERT_TRUE(connection.Command({"SET", a, "1"}).ok());
  ASSERT_TRUE(connection.Command({"SET", b, "2"}).ok());
  const int from = cluster().MasterOfSlot(slot);
  int to = -1;
  for (int master : cluster().Masters()) {
    if (master != from) to = master;
  }
  ASSERT_TRUE(cluster().BeginSlotMigration(slot, to).ok());
  ASSERT_TRUE(cluster().MigrateKey(slot, to, a).ok());

  // Half the keys moved: the owner answers TRYAGAIN until the budget is spent.
  auto before = ValkeyClusterCounters::Get().Read();
  const auto start = std::chrono::steady_clock::now();
  Result<ValkeyReply> split = connection.Command({"MGET", a, b});
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(split.status().message().find("TRYAGAIN"), std::string::npos) << split.status().message();
  EXPECT_NE(split.status().message().find("after retrying"), std::string::npos) << split.status().message();
  EXPECT_GE(waited, std::chrono::milliseconds(endpoint.cluster_retry_budget_ms));
  // Pauses of 20, 40, 80, 160 and 300 ms (the rest of the budget).
  EXPECT_EQ(ValkeyClusterCounters::Get().Read().tryagain, before.tryagain + 5);

  // The rest moves while the call waits: it then succeeds (through ASK).
  before = ValkeyClusterCounters::Get().Read();
  std::thread migrate([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_TRUE(cluster().MigrateKey(slot, to, b).ok());
  });
  Result<ValkeyReply> joined = connection.Command({"MGET", a, b});
  migrate.join();
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  ASSERT_EQ(joined->elements.size(), 2u);
  EXPECT_EQ(joined->elements[0].str, "1");
  EXPECT_EQ(joined->elements[1].str, "2");
  const auto after = ValkeyClusterCounters::Get().Read();
  EXPECT_GE(after.tryagain, before.tryagain + 1);
  EXPECT_EQ(after.ask, before.ask + 1);
  ASSERT_TRUE(cluster().FinishSlotMigration(slot, to).ok());
}

TEST_F(ValkeyClusterTest, RedirectsBeyondTheBoundFailTheCall) {
  ValkeyEndpoint endpoint = cluster().endpoint();
  endpoint.cluster_max_redirects = 0;
  ValkeyConnection bounded(endpoint, kConnectTimeoutMs);
  const std::string key = "{bound}:k";
  const int slot = ClusterKeySlot(key);
  ASSERT_TRUE(bounded.Command({"SET", key, "v"}).ok());
  const int from = cluster().MasterOfSlot(slot);
  int to = -1;
  for (int master : cluster().Masters()) {
    if (master != from) to = master;
  }
  ASSERT_TRUE(cluster().MoveSlot(slot, to).ok());
  Result<ValkeyReply> refused = bounded.Command({"GET", key});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("MOVED"), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find("VALKEY_CLUSTER_MAX_REDIRECTS"), std::string::npos);
  // The map was refreshed all the same: the next call goes to the new owner.
  Result<ValkeyReply> next = bounded.Command({"GET", key});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->str, "v");
}

TEST_F(ValkeyClusterTest, PipelineGoesToTheFirstKeysMasterAndFollowsMoved) {
  ValkeyConnection connection = NewConnection();
  const std::string key = "{pipe}:list";
  Result<std::vector<ValkeyReply>> pushed =
      connection.Pipeline({{"RPUSH", key, "a"}, {"RPUSH", key, "b"}, {"LLEN", key}});
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  EXPECT_EQ(pushed->back().integer, 2);
  const int slot = ClusterKeySlot(key);
  const int from = cluster().MasterOfSlot(slot);
  int to = -1;
  for (int master : cluster().Masters()) {
    if (master != from) to = master;
  }
  ASSERT_TRUE(cluster().MoveSlot(slot, to).ok());
  const auto before = ValkeyClusterCounters::Get().Read();
  Result<std::vector<ValkeyReply>> read = connection.Pipeline({{"LLEN", key}, {"LINDEX", key, "0"}});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ((*read)[0].integer, 2);
  EXPECT_EQ((*read)[1].str, "a");
  EXPECT_EQ(ValkeyClusterCounters::Get().Read().moved, before.moved + 1);
}

TEST_F(ValkeyClusterTest, KeysStayReachableAcrossAReshard) {
  ValkeyConnection connection = NewConnection();
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("reshard:" + std::to_string(i));
  for (const std::string& key : keys) ASSERT_TRUE(connection.Command({"SET", key, key}).ok());
  const std::vector<int> masters = cluster().Masters();
  ASSERT_EQ(masters.size(), 3u);
  const Status resharded = cluster().Reshard(masters[0], masters[1], 200);
  ASSERT_TRUE(resharded.ok()) << resharded.ToString();
  ASSERT_TRUE(cluster().WaitUntilHealthy().ok());
  const auto before = ValkeyClusterCounters::Get().Read();
  int missing = 0;
  for (const std::string& key : keys) {
    Result<ValkeyReply> value = connection.Command({"GET", key});
    ASSERT_TRUE(value.ok()) << key << ": " << value.status().ToString();
    missing += value->str == key ? 0 : 1;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_GE(ValkeyClusterCounters::Get().Read().moved, before.moved + 1) << "some keys had moved";
}

// A cluster of its own: the test stops every node.
TEST(ValkeyClusterRestartTest, AfterStopAllAndStartAllTheDataIsBackAndTheConnectionReconnects) {
  TestValkeyCluster cluster;
  ASSERT_TRUE(cluster.Start().ok());
  ValkeyConnection connection(cluster.endpoint(), kConnectTimeoutMs, ValkeyConnection::kDefaultCommandTimeoutMs,
                              /*reconnect_backoff_ms=*/0);
  const auto keys = KeysOnEveryMaster(cluster, "restart", 2, /*tagged=*/false);
  for (const auto& [owner, list] : keys) {
    for (const std::string& key : list) ASSERT_TRUE(connection.Command({"SET", key, "durable"}).ok());
  }
  const Status stopped = cluster.StopAll();
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_FALSE(connection.Command({"GET", keys.begin()->second.front()}).ok());
  const Status restarted = cluster.StartAll();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  // A node connection opened before the restart fails its first call (it
  // may have run, so it is not retried inside); the call after works.
  int failed_calls = 0;
  for (const auto& [owner, list] : keys) {
    for (const std::string& key : list) {
      Result<ValkeyReply> value = connection.Command({"GET", key});
      if (!value.ok()) {
        ++failed_calls;
        EXPECT_EQ(value.status().code(), Status::Code::kUnavailable) << value.status().ToString();
        value = connection.Command({"GET", key});
      }
      ASSERT_TRUE(value.ok()) << key << ": " << value.status().ToString();
      EXPECT_EQ(value->str, "durable");
    }
  }
  EXPECT_LE(failed_calls, TestValkeyCluster::kMasters) << "at most one per node connection made before the restart";
}

// A cluster of its own: the test takes a master and its replica down.
TEST(ValkeyClusterDownTest, ClusterDownIsRetriedWithinTheBudgetThenUnavailableAndServedOnceBack) {
  TestValkeyCluster cluster;
  ASSERT_TRUE(cluster.Start().ok());
  ValkeyEndpoint endpoint = cluster.endpoint();
  endpoint.cluster_retry_budget_ms = 300;
  ValkeyConnection connection(endpoint, kConnectTimeoutMs, ValkeyConnection::kDefaultCommandTimeoutMs,
                              /*reconnect_backoff_ms=*/0);
  const auto keys = KeysOnEveryMaster(cluster, "down", 1, /*tagged=*/false);
  ASSERT_EQ(keys.size(), 3u);
  const int lost = keys.begin()->first;
  const std::string survivor_key = std::next(keys.begin())->second.front();
  const int survivor = std::next(keys.begin())->first;
  ASSERT_TRUE(connection.Command({"SET", survivor_key, "v"}).ok());
  const std::vector<int> replicas = cluster.ReplicasOf(lost);
  ASSERT_EQ(replicas.size(), 1u);
  cluster.Kill(lost);
  cluster.Kill(replicas.front());
  // No replica can take over: the cluster declares itself down.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (cluster.ClusterState(survivor) != "fail" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(cluster.ClusterState(survivor), "fail");

  const auto before = ValkeyClusterCounters::Get().Read();
  Result<ValkeyReply> down = connection.Command({"GET", survivor_key});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(down.status().message().find("CLUSTERDOWN"), std::string::npos) << down.status().message();
  EXPECT_NE(down.status().message().find("VALKEY_CLUSTER_RETRY_MS"), std::string::npos) << down.status().message();
  // Pauses of 20, 40, 80, 160 ms (300 in all).
  EXPECT_EQ(ValkeyClusterCounters::Get().Read().clusterdown, before.clusterdown + 4);

  ASSERT_TRUE(cluster.Restart(lost).ok());
  ASSERT_TRUE(cluster.Restart(replicas.front()).ok());
  const Status healthy = cluster.WaitUntilHealthy();
  ASSERT_TRUE(healthy.ok()) << healthy.ToString();
  Result<ValkeyReply> back = connection.Command({"GET", survivor_key});
  if (!back.ok()) back = connection.Command({"GET", survivor_key});  // a connection from before may fail once
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->str, "v");
}

// A cluster of its own: the test kills a master.
TEST(ValkeyClusterFailoverTest, AfterTheKeysMasterDiesItsReplicaServesTheKey) {
  TestValkeyCluster cluster;
  const Status started = cluster.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  ValkeyConnection connection(cluster.endpoint(), kConnectTimeoutMs);
  const std::string key = "{failover}:k";
  const int slot = ClusterKeySlot(key);
  ASSERT_TRUE(connection.Command({"SET", key, "kept"}).ok());
  Result<ValkeyReply> replicated = connection.Command({"WAIT", "1", "2000"});
  ASSERT_TRUE(replicated.ok());
  ASSERT_EQ(replicated->integer, 1) << "the replica has the key before its master dies";

  const int old_master = cluster.MasterOfSlot(slot);
  const auto before = ValkeyClusterCounters::Get().Read();
  cluster.Kill(old_master);
  const auto killed_at = std::chrono::steady_clock::now();
  int failures = 0;
  Result<ValkeyReply> value = Status::Unavailable("not tried");
  while (std::chrono::steady_clock::now() - killed_at < std::chrono::seconds(20)) {
    value = connection.Command({"GET", key});
    if (value.ok()) break;
    ++failures;
    EXPECT_EQ(value.status().code(), Status::Code::kUnavailable) << value.status().ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed_at);
  ASSERT_TRUE(value.ok()) << value.status().ToString() << " after " << failures << " failures";
  EXPECT_EQ(value->str, "kept");
  EXPECT_GE(failures, 1) << "the old master was used until it failed";
  const int new_master = cluster.MasterOfSlot(slot);
  EXPECT_NE(new_master, old_master);
  EXPECT_GT(ValkeyClusterCounters::Get().Read().slot_map_refreshes, before.slot_map_refreshes);
  // Writes work too, and a keyless command follows them to the new master.
  ASSERT_TRUE(connection.Command({"SET", key, "written after failover"}).ok());
  Result<ValkeyReply> info = connection.Command({"INFO", "server"});
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->str.find("tcp_port:" + std::to_string(cluster.port(new_master))), std::string::npos);
  RecordProperty("failures_before_recovery", failures);
  RecordProperty("recovery_ms", static_cast<int>(took.count()));
  std::printf("failover: %d failed calls, key served again after %lld ms\n", failures,
              static_cast<long long>(took.count()));
}

}  // namespace
}  // namespace flagmeter::test
