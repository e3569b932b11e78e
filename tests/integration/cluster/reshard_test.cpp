// Slots that hold live shard keys move between masters while flagmeter takes
// load: once by hand, key by key, so that the client meets ASK while the slot
// is half moved, and once whole, so that it meets MOVED; then a
// `redis-cli --cluster reshard` of a hundred slots. Every 201 is counted
// exactly once, and the redirects show in flagmeter's metrics.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/metric_sum.hpp"
#include "cluster_stack.hpp"
#include "flagmeter/queue/queue_shards.hpp"
#include "queue/cluster_slots.hpp"
#include "support/flagmeter_process.hpp"

namespace flagmeter::test {
namespace {

using std::chrono::milliseconds;

// The slot of the shard that `tenant`'s events go to.
int SlotOfTenantShard(const std::string& tenant) {
  const std::size_t shard = ShardOfTenant(tenant, kClusterShards);
  return ClusterKeySlot(ShardName("events", shard, kClusterShards, /*hash_tags=*/true));
}

// A master other than `owner`.
int OtherMaster(TestValkeyCluster& cluster, int owner) {
  for (int node : cluster.Masters()) {
    if (node != owner) return node;
  }
  return -1;
}

// Moves `slot` to `to` key by key for about `duration`, so commands on its
// keys meet ASK meanwhile, then hands the slot over.
Status MigrateSlowly(TestValkeyCluster& cluster, int slot, int to, milliseconds duration) {
  if (Status begun = cluster.BeginSlotMigration(slot, to); !begun.ok()) return begun;
  const int from = cluster.MasterOfSlot(slot);
  const auto until = std::chrono::steady_clock::now() + duration;
  for (;;) {
    auto keys = cluster.Command(from, {"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "100"});
    if (!keys.ok()) return keys.status();
    for (const ValkeyReply& key : keys->elements) {
      if (Status moved = cluster.MigrateKey(slot, to, key.str); !moved.ok()) return moved;
      std::this_thread::sleep_for(milliseconds(50));
    }
    // Keys a half-moved slot gets are made on the importing node (ASK), so
    // the source only empties.
    if (keys->elements.empty() && std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return cluster.FinishSlotMigration(slot, to);
}

TEST(ClusterResharding, SlotsWithLiveShardKeysMovedUnderLoadCountEveryEventOnce) {
  ClusterStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  FlagmeterProcess process(stack.Environment());
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;

  LoadDriver driver({.ports = {process.port()}, .tenant_prefix = "reshard", .tenants_with_ids = 6,
                     .tenants_without_ids = 2});
  std::cout << "load seed " << driver.seed() << "\n";
  driver.Start();
  std::this_thread::sleep_for(milliseconds(1500));

  // ASK: the shard of one tenant moves key by key.
  const int asked_slot = SlotOfTenantShard("reshard-id-0");
  const int asked_from = stack.cluster.MasterOfSlot(asked_slot);
  const int asked_to = OtherMaster(stack.cluster, asked_from);
  const Status asked = MigrateSlowly(stack.cluster, asked_slot, asked_to, milliseconds(2000));
  ASSERT_TRUE(asked.ok()) << asked.ToString();
  std::cout << "slot " << asked_slot << " moved key by key from node " << asked_from << " to " << asked_to << "\n";

  // MOVED: another tenant's shard moves whole.
  int moved_slot = SlotOfTenantShard("reshard-id-1");
  for (int i = 2; moved_slot == asked_slot && i < 6; ++i) moved_slot = SlotOfTenantShard("reshard-id-" + std::to_string(i));
  const int moved_from = stack.cluster.MasterOfSlot(moved_slot);
  const Status moved = stack.cluster.MoveSlot(moved_slot, OtherMaster(stack.cluster, moved_from));
  ASSERT_TRUE(moved.ok()) << moved.ToString();
  std::this_thread::sleep_for(milliseconds(1000));

  // And the operator's tool: a hundred slots from one master to another.
  const std::vector<int> masters = stack.cluster.Masters();
  ASSERT_GE(masters.size(), 2u);
  const Status resharded = stack.cluster.Reshard(masters[0], masters[1], 100);
  ASSERT_TRUE(resharded.ok()) << resharded.ToString();
  std::this_thread::sleep_for(milliseconds(1000));
  driver.Stop();
  driver.Settle(std::chrono::seconds(30));

  auto counted = WaitForDrain(stack.Probe({process.port()}), driver.tenants(), std::chrono::seconds(60));
  const LoadReport report = driver.Report();
  std::cout << report.Summary();
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n" << report.Summary() << Tail(process.Log());
  std::cout << AccountingTable(report, *counted);
  EXPECT_EQ(CheckAccounting(report, *counted), "") << report.Summary() << Tail(process.Log());
  EXPECT_EQ(report.CountRange(400, 499), 0) << report.Summary();

  const double moved_seen = MetricSum(process.port(), "flagmeter_valkey_redirects_total{kind=\"moved\"");
  const double ask_seen = MetricSum(process.port(), "flagmeter_valkey_redirects_total{kind=\"ask\"");
  const double tryagain_seen = MetricSum(process.port(), "flagmeter_valkey_redirects_total{kind=\"tryagain\"");
  std::cout << "acknowledged events " << driver.acknowledged_events() << "; redirects followed: MOVED " << moved_seen
            << ", ASK " << ask_seen << ", TRYAGAIN " << tryagain_seen << "\n";
  EXPECT_GT(moved_seen, 0) << Tail(process.Log());
  EXPECT_GT(ask_seen, 0) << Tail(process.Log());
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
