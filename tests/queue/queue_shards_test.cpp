#include "flagmeter/queue/queue_shards.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flagmeter {
namespace {

// These values are part of the stored layout: a tenant's events must keep
// going to the same shard across versions. A change here is a breaking
// change of every sharded deployment.
TEST(QueueShards, Fnv1a64MatchesTheReferenceVectors) {
  EXPECT_EQ(Fnv1a64(""), 14695981039346656037ULL);
  EXPECT_EQ(Fnv1a64("a"), 12638187200555641996ULL);  // 0xaf63dc4c8601ec8c
  EXPECT_EQ(Fnv1a64("acme"), 514768821131075087ULL);
  EXPECT_EQ(Fnv1a64("tenant-1"), 14046640551972565131ULL);
}

TEST(QueueShards, ShardOfTenantIsFixedForever) {
  EXPECT_EQ(ShardOfTenant("acme", 4), 3u);
  EXPECT_EQ(ShardOfTenant("acme", 16), 15u);
  EXPECT_EQ(ShardOfTenant("globex", 4), 2u);
  EXPECT_EQ(ShardOfTenant("globex", 16), 14u);
  EXPECT_EQ(ShardOfTenant("initech", 4), 1u);
  EXPECT_EQ(ShardOfTenant("a", 4), 0u);
  EXPECT_EQ(ShardOfTenant("anything", 1), 0u);
}

TEST(QueueShards, ShardOfTenantSpreadsManyTenants) {
  std::vector<int> per_shard(8);
  for (int i = 0; i < 8000; ++i) ++per_shard[ShardOfTenant("tenant-" + std::to_string(i), 8)];
  for (int count : per_shard) {
    EXPECT_GT(count, 800);
    EXPECT_LT(count, 1200);
  }
}

TEST(QueueShards, OneShardKeepsThePlainNameUnlessHashTagsAreWanted) {
  QueueConfig config;
  config.name = "events";
  EXPECT_EQ(ShardNames(config), (std::vector<std::string>{"events"}));
  config.hash_tags = true;
  EXPECT_EQ(ShardNames(config), (std::vector<std::string>{"{events:0}"}));
}

TEST(QueueShards, ManyShardsAreHashTaggedAndNumberedFromZero) {
  QueueConfig config;
  config.name = "usage";
  config.shards = 3;
  EXPECT_EQ(ShardNames(config), (std::vector<std::string>{"{usage:0}", "{usage:1}", "{usage:2}"}));
  EXPECT_EQ(ShardName("usage", 2, 3, false), "{usage:2}");
}

TEST(QueueShards, BoundsAreSharedRoundingUp) {
  QueueConfig config;
  config.max_depth = 1000;
  config.dead_letter_max = 10;
  EXPECT_EQ(ShardMaxDepth(config), 1000);
  EXPECT_EQ(ShardDeadLetterMax(config), 10);
  config.shards = 3;
  EXPECT_EQ(ShardMaxDepth(config), 334);
  EXPECT_EQ(ShardDeadLetterMax(config), 4);
  config.max_depth = 1;
  EXPECT_EQ(ShardMaxDepth(config), 1);
}

TEST(QueueShards, LayoutKeyIsHashTaggedOnTheQueueName) { EXPECT_EQ(QueueLayoutKey("events"), "{events}:layout"); }

}  // namespace
}  // namespace flagmeter
