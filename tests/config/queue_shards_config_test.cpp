// QUEUE_SHARDS, VALKEY_MIN_REPLICAS_ACK and VALKEY_REPLICA_ACK_TIMEOUT_MS.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config_env.hpp"
#include "flagmeter/config/config.hpp"

namespace flagmeter {
namespace {

TEST(QueueShardsConfig, DefaultsToOnePlainShardWithoutReplicaAcks) {
  Result<Config> defaults = LoadConfigFrom({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->queue.shards, 1);
  EXPECT_FALSE(defaults->queue.hash_tags);
  EXPECT_EQ(defaults->queue.min_replicas_ack, 0);
  EXPECT_EQ(defaults->queue.replica_ack_timeout_ms, 1000);
}

TEST(QueueShardsConfig, AClusterUrlGivesTheQueueKeysHashTagsEvenWithOneShard) {
  Result<Config> cluster = LoadConfigFrom({{"VALKEY_URL", "redis+cluster://127.0.0.1:7000,127.0.0.1:7001"}});
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  EXPECT_TRUE(cluster->queue.hash_tags);
  EXPECT_EQ(cluster->queue.shards, 1);
  Result<Config> single = LoadConfigFrom({{"VALKEY_URL", "redis://127.0.0.1:7000/0"}});
  ASSERT_TRUE(single.ok());
  EXPECT_FALSE(single->queue.hash_tags);
}

TEST(QueueShardsConfig, RefusesBracesInTheQueueName) {
  for (const char* name : {"{events}", "events}", "ev{ents"}) {
    Result<Config> braced = LoadConfigFrom({{"QUEUE_NAME", name}});
    ASSERT_FALSE(braced.ok()) << name;
    EXPECT_NE(braced.status().message().find("QUEUE_NAME"), std::string::npos) << braced.status().ToString();
    EXPECT_NE(braced.status().message().find("hash tag"), std::string::npos) << braced.status().ToString();
  }
}

TEST(QueueShardsConfig, ReadsTheVariables) {
  Result<Config> set = LoadConfigFrom(
      {{"QUEUE_SHARDS", "1024"}, {"VALKEY_MIN_REPLICAS_ACK", "5"}, {"VALKEY_REPLICA_ACK_TIMEOUT_MS", "250"}});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->queue.shards, 1024);
  EXPECT_EQ(set->queue.min_replicas_ack, 5);
  EXPECT_EQ(set->queue.replica_ack_timeout_ms, 250);
}

TEST(QueueShardsConfig, RefusesValuesOutOfRangeNamingTheVariable) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{{"QUEUE_SHARDS", "0"},
                                                                      {"QUEUE_SHARDS", "1025"},
                                                                      {"VALKEY_MIN_REPLICAS_ACK", "6"},
                                                                      {"VALKEY_MIN_REPLICAS_ACK", "-1"},
                                                                      {"VALKEY_REPLICA_ACK_TIMEOUT_MS", "0"},
                                                                      {"VALKEY_REPLICA_ACK_TIMEOUT_MS", "2001"}}) {
    Result<Config> bad = LoadConfigFrom({{name, value}});
    ASSERT_FALSE(bad.ok()) << name << "=" << value;
    EXPECT_EQ(bad.status().message().rfind(name + "=", 0), 0u) << bad.status().message();
  }
}

TEST(QueueShardsConfig, HelpListsThemWithDefaultAndAllowedRange) {
  const std::string help = ConfigHelp();
  const std::size_t shards = help.find("  QUEUE_SHARDS ");
  ASSERT_NE(shards, std::string::npos) << help;
  EXPECT_LT(help.find("  QUEUE_NAME "), shards);
  EXPECT_NE(help.find("default: 1; allowed: 1..1024", shards), std::string::npos) << help.substr(shards, 300);
  const std::size_t replicas = help.find("  VALKEY_MIN_REPLICAS_ACK ");
  ASSERT_NE(replicas, std::string::npos);
  EXPECT_NE(help.find("default: 0; allowed: 0..5", replicas), std::string::npos) << help.substr(replicas, 300);
  const std::size_t timeout = help.find("  VALKEY_REPLICA_ACK_TIMEOUT_MS ");
  ASSERT_NE(timeout, std::string::npos);
  EXPECT_NE(help.find("default: 1000; allowed: 1..2000", timeout), std::string::npos) << help.substr(timeout, 300);
}

}  // namespace
}  // namespace flagmeter
