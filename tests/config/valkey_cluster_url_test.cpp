// VALKEY_URL's Valkey Cluster form: redis+cluster://[:password@]host:port[,host:port...].
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config_env.hpp"
#include "flagmeter/config/config.hpp"

namespace flagmeter {
namespace {

Result<Config> LoadWithValkeyUrl(const std::string& url) {
  return LoadConfigFrom({{"VALKEY_URL", url}});
}

TEST(ValkeyClusterUrl, ListsEverySeedInOrderWithThePassword) {
  Result<ValkeyEndpoint> endpoint = ParseValkeyUrl("redis+cluster://:secret@10.0.0.1:7000,10.0.0.2:7001,node-c:7002");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().ToString();
  EXPECT_TRUE(endpoint->cluster());
  const std::vector<ValkeyNodeAddress> expected{{"10.0.0.1", 7000}, {"10.0.0.2", 7001}, {"node-c", 7002}};
  EXPECT_EQ(endpoint->cluster_seeds, expected);
  EXPECT_EQ(endpoint->password, "secret");
  EXPECT_EQ(endpoint->db, 0);
  EXPECT_EQ(endpoint->host, "10.0.0.1");
  EXPECT_EQ(endpoint->port, 7000);
}

TEST(ValkeyClusterUrl, OneSeedAndAnExplicitDatabaseZeroAreAccepted) {
  Result<ValkeyEndpoint> one = ParseValkeyUrl("redis+cluster://127.0.0.1:30001");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->cluster_seeds.size(), 1u);
  EXPECT_TRUE(one->password.empty());
  Result<ValkeyEndpoint> db0 = ParseValkeyUrl("redis+cluster://user:pw@h1:1,h2:2/0");
  ASSERT_TRUE(db0.ok()) << db0.status().ToString();
  EXPECT_EQ(db0->cluster_seeds.size(), 2u);
  EXPECT_EQ(db0->password, "pw");
}

TEST(ValkeyClusterUrl, PlainRedisUrlIsNotACluster) {
  Result<ValkeyEndpoint> plain = ParseValkeyUrl("redis://pw@valkey:7000/3");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->cluster());
  EXPECT_TRUE(plain->cluster_seeds.empty());
  EXPECT_EQ(plain->db, 3);
}

TEST(ValkeyClusterUrl, BadFormsAreConfigErrorsNamingTheProblem) {
  const std::map<std::string, std::string> bad{
      {"redis+cluster://h1:7000/1", "only database 0"},
      {"redis+cluster://h1:7000,h2:7001/15", "only database 0"},
      {"redis+cluster://h1", "without a port"},
      {"redis+cluster://h1:7000,h2", "without a port"},
      {"redis+cluster://h1:7000,,h2:7001", "must name a host"},
      {"redis+cluster://", "must name a host"},
      {"redis+cluster://h1:0", "bad port"},
      {"redis+cluster://h1:70000", "bad port"},
      {"rediss+cluster://h1:7000", "redis+cluster://"},
  };
  for (const auto& [url, problem] : bad) {
    Result<Config> config = LoadWithValkeyUrl(url);
    ASSERT_FALSE(config.ok()) << url;
    EXPECT_NE(config.status().message().find("VALKEY_URL"), std::string::npos) << config.status().message();
    EXPECT_NE(config.status().message().find(problem), std::string::npos) << url << ": " << config.status().message();
  }
}

TEST(ValkeyClusterUrl, LoadConfigKeepsTheSeedsAndHelpShowsTheClusterForm) {
  Result<Config> config = LoadWithValkeyUrl("redis+cluster://127.0.0.1:7000,127.0.0.1:7001");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->queue.valkey.cluster());
  EXPECT_EQ(config->queue.valkey.cluster_seeds.size(), 2u);
  EXPECT_NE(ConfigHelp().find("redis+cluster://"), std::string::npos);
}

TEST(ValkeyClusterUrl, RedirectAndRetryBoundsAreOptionsKeptWhateverTheOrder) {
  const std::map<std::string, std::string> env{{"VALKEY_CLUSTER_MAX_REDIRECTS", "2"},
                                               {"VALKEY_CLUSTER_RETRY_MS", "750"},
                                               {"VALKEY_URL", "redis+cluster://h1:7000"}};
  Result<Config> config = LoadConfigFrom(env);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->queue.valkey.cluster_max_redirects, 2);
  EXPECT_EQ(config->queue.valkey.cluster_retry_budget_ms, 750);
  Result<Config> defaults = LoadWithValkeyUrl("redis+cluster://h1:7000");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->queue.valkey.cluster_max_redirects, 5);
  EXPECT_EQ(defaults->queue.valkey.cluster_retry_budget_ms, 2000);
  for (const auto& [name, bad] : std::map<std::string, std::string>{{"VALKEY_CLUSTER_MAX_REDIRECTS", "101"},
                                                                    {"VALKEY_CLUSTER_RETRY_MS", "-1"}}) {
    const std::map<std::string, std::string> wrong{{name, bad}};
    Result<Config> rejected = LoadConfigFrom(wrong);
    ASSERT_FALSE(rejected.ok()) << name;
    EXPECT_NE(rejected.status().message().find(name), std::string::npos);
    EXPECT_NE(ConfigHelp().find(name), std::string::npos);
  }
}

}  // namespace
}  // namespace flagmeter
