#pragma once

// What the cluster fault tests start from: a real 3-master + 3-replica Valkey
// Cluster, a database of their own, and the flagmeter environment that
// points at them with a sharded queue.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "flagmeter/queue/valkey_connection.hpp"
#include "support/load_driver.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey_cluster.hpp"

namespace flagmeter::test {

inline constexpr int kClusterShards = 8;
inline constexpr int kClusterLeaseMs = 2000;

/// The last `bytes` of a log, for failure messages.
inline std::string Tail(const std::string& text, std::size_t bytes = 6000) {
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

/// Start it with ASSERT_NO_FATAL_FAILURE(stack.Start()).
struct ClusterStack {
  TestValkeyCluster cluster;
  std::unique_ptr<TestDatabase> database;
  std::unique_ptr<ValkeyConnection> client;  // the test's own cluster client, for the drain probe

  void Start() {
    const Status started = cluster.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    auto created = TestDatabase::Create();
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    database = std::move(created.value());
    client = std::make_unique<ValkeyConnection>(cluster.endpoint(), 1000, 5000, 0);
  }

  /// flagmeter on this cluster: QUEUE_SHARDS=kClusterShards, a short lease,
  /// usage answers never cached, info logs; `extra` wins.
  std::map<std::string, std::string> Environment(std::map<std::string, std::string> extra = {}) const {
    extra.insert({{"DATABASE_URL", database->url()},
                  {"VALKEY_URL", cluster.url()},
                  {"QUEUE_SHARDS", std::to_string(kClusterShards)},
                  {"QUEUE_LEASE_MS", std::to_string(kClusterLeaseMs)},
                  {"USAGE_CACHE_MS", "0"},
                  {"LOG_LEVEL", "info"}});
    return extra;
  }

  DrainProbe Probe(std::vector<int> ports) const {
    return DrainProbe{.ports = std::move(ports), .cluster = client.get(), .shards = kClusterShards, .hash_tags = true};
  }
};

}  // namespace flagmeter::test
