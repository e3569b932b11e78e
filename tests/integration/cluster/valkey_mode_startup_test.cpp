// VALKEY_URL's form against the server's mode: a mismatch stops the process
// at start-up with one line that names VALKEY_URL and what to change.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "support/flagmeter_process.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"
#include "support/test_valkey_cluster.hpp"

namespace flagmeter::test {
namespace {

// Starts flagmeter with `valkey_url`, `queue_name` and a fresh database; returns its log
// when it exited at start-up, or "" when it came up.
std::string StartUpFailure(const std::string& valkey_url, const std::string& queue_name = "events") {
  Result<std::unique_ptr<TestDatabase>> database = TestDatabase::Create();
  EXPECT_TRUE(database.ok()) << database.status().ToString();
  if (!database.ok()) return "no database";
  FlagmeterProcess process({{"DATABASE_URL", (*database)->url()}, {"VALKEY_URL", valkey_url}, {"QUEUE_NAME", queue_name}});
  std::string error;
  if (process.Start(&error, 20000)) return "";
  return error;
}

TEST(ValkeyModeStartUp, ClusterUrlAgainstASingleServerExitsNamingValkeyUrl) {
  TestValkey single;
  ASSERT_TRUE(single.Start().ok());
  const std::string url = "redis+cluster://127.0.0.1:" + std::to_string(single.port());
  const std::string log = StartUpFailure(url);
  ASSERT_FALSE(log.empty()) << "flagmeter started with a cluster URL against a single server";
  EXPECT_NE(log.find("VALKEY_URL names a Valkey Cluster"), std::string::npos) << log;
  EXPECT_NE(log.find("cluster_enabled:0"), std::string::npos) << log;
  EXPECT_NE(log.find("VALKEY_URL=redis://127.0.0.1:" + std::to_string(single.port())), std::string::npos) << log;
}

TEST(ValkeyModeStartUp, PlainUrlAgainstAClusterNodeExitsNamingValkeyUrl) {
  TestValkeyCluster cluster;
  const Status started = cluster.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  const std::string node = "127.0.0.1:" + std::to_string(cluster.port(0));
  const std::string log = StartUpFailure("redis://" + node + "/0");
  ASSERT_FALSE(log.empty()) << "flagmeter started with a redis:// URL against a cluster node";
  EXPECT_NE(log.find("VALKEY_URL names a single server"), std::string::npos) << log;
  EXPECT_NE(log.find("CROSSSLOT"), std::string::npos) << log;
  EXPECT_NE(log.find("VALKEY_URL=redis+cluster://" + node), std::string::npos) << log;
}

TEST(ValkeyModeStartUp, MatchingClusterUrlStarts) {
  TestValkeyCluster cluster;
  const Status started = cluster.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  // The queue's keys get their shards' hash tags without being asked.
  EXPECT_EQ(StartUpFailure(cluster.url()), "");
}

}  // namespace
}  // namespace flagmeter::test
