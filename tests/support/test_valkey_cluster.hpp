#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/valkey_connection.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {

/// A private Valkey Cluster (or Redis 7 cluster) for tests: 3 masters and 3
/// replicas (one per master), each a TestValkey (own folder, append-only file
/// on, dies with the test, removed by the destructor) with cluster mode on,
/// cluster-node-timeout kNodeTimeoutMs so a failover takes about 2 to 3 s.
/// Ports are picked on 127.0.0.1 from 20000..45000 with port + 10000 (the
/// cluster bus) free too. The cluster is made with
/// `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes`; the cli
/// is the valkey-cli or redis-cli next to $FLAGMETER_TEST_VALKEY_SERVER (else
/// from PATH).
///
/// Nodes are numbered 0..5 in creation order; which node is a master changes
/// with failovers, so ask MasterOfSlot()/Masters() rather than assume.
/// Blocking calls; errors say which node and command failed. Not
/// thread-safe: drive it from the test's main thread.
///
///   TestValkeyCluster cluster;
///   ASSERT_TRUE(cluster.Start().ok());
///   ValkeyConnection connection(cluster.endpoint(), 1000);
///   int owner = cluster.MasterOfSlot(ClusterKeySlot("k"));
///   cluster.Kill(owner);  ...  cluster.WaitForNewMaster(slot, owner);
class TestValkeyCluster final {
 public:
  static constexpr int kMasters = 3;
  static constexpr int kNodes = 6;
  static constexpr int kNodeTimeoutMs = 1000;

  /// Picks ports and folders; starts nothing.
  TestValkeyCluster();
  ~TestValkeyCluster();
  TestValkeyCluster(const TestValkeyCluster&) = delete;
  TestValkeyCluster& operator=(const TestValkeyCluster&) = delete;

  /// Starts the six servers, creates the cluster, waits until it is healthy
  /// (WaitUntilHealthy). About 3 s.
  Status Start();

  /// "redis+cluster://127.0.0.1:p0,127.0.0.1:p1,..." (every node as a seed).
  std::string url() const;
  ValkeyEndpoint endpoint() const;
  int port(int node) const;
  /// The node listening on `port`, or -1.
  int NodeOfPort(int port) const;
  /// The node's cluster id (CLUSTER MYID), read once at Start().
  const std::string& NodeId(int node) const { return ids_.at(static_cast<std::size_t>(node)); }
  bool running(int node) const;

  /// One command on the node's own plain connection (keyed commands on a
  /// slot the node does not serve get MOVED, as from any client).
  Result<ValkeyReply> Command(int node, const std::vector<std::string_view>& args);

  /// The node serving `slot` as master, from CLUSTER SLOTS of the first
  /// running node that answers; -1 when none knows.
  int MasterOfSlot(int slot);
  /// The nodes that serve slots as masters now, by CLUSTER SLOTS.
  std::vector<int> Masters();
  /// The running nodes replicating `master` (INFO replication's master_port).
  std::vector<int> ReplicasOf(int master);
  /// CLUSTER INFO's cluster_state ("ok", "fail") on `node`; "" on error.
  std::string ClusterState(int node);

  /// SIGKILL (no AOF flush); no-op when not running.
  void Kill(int node);
  /// Starts a stopped or killed node again from its AOF and nodes.conf;
  /// waits for PONG (not for the cluster: use WaitUntilHealthy).
  Status Restart(int node);
  /// Graceful stop of every node (SIGTERM: AOF flushed).
  Status StopAll();
  /// Starts every stopped node and waits until the cluster is healthy.
  Status StartAll();

  /// Waits until every running node says cluster_state:ok with all 16384
  /// slots assigned, knows every node, and all agree on each slot's master.
  Status WaitUntilHealthy(int timeout_ms = 20000);
  /// Waits until a node other than `old_master` serves `slot` as master on
  /// every running node's view and the cluster is healthy: a failover.
  Status WaitForNewMaster(int slot, int old_master, int timeout_ms = 20000);

  /// Moves `slot` with its keys to node `to` (a master): IMPORTING,
  /// MIGRATING, MIGRATE of every key, SETSLOT NODE on every master.
  Status MoveSlot(int slot, int to);
  /// The first half of a move: `to` IMPORTING, the owner MIGRATING. Keys
  /// moved with MigrateKey() are then answered by ASK from the owner.
  Status BeginSlotMigration(int slot, int to);
  /// MIGRATE one key of a migrating slot from its owner to `to`.
  Status MigrateKey(int slot, int to, std::string_view key);
  /// The second half: `to` owns `slot` (CLUSTER SETSLOT NODE on every node).
  Status FinishSlotMigration(int slot, int to);
  /// `redis-cli --cluster reshard`: `count` slots (with their keys) from
  /// master `from` to master `to`.
  Status Reshard(int from, int to, int count);

  /// The cli's whole output, for failure messages; "" when it exited 0.
  Status RunCli(const std::vector<std::string>& args, std::string* output = nullptr) const;

 private:
  Status MigrateAllKeys(int slot, int from, int to);
  std::string cli_;
  std::vector<std::unique_ptr<TestValkey>> nodes_;
  std::vector<std::string> ids_;
};

}  // namespace flagmeter::test
