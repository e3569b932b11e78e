#include "flagmeter/queue/valkey_mode_check.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "flagmeter/queue/valkey_connection.hpp"

namespace flagmeter {
namespace {

// INFO cluster's cluster_enabled of one server; nullopt when it cannot be
// asked (down, AUTH refused, an unexpected answer).
std::optional<bool> ClusterEnabled(const ValkeyNodeAddress& address, const std::string& password,
                                   int connect_timeout_ms, std::string* problem) {
  ValkeyEndpoint single;
  single.host = address.host;
  single.port = address.port;
  single.password = password;  // db 0: SELECT n is refused by a cluster node
  ValkeyConnection connection(std::move(single), connect_timeout_ms, ValkeyConnection::kDefaultCommandTimeoutMs,
                              /*reconnect_backoff_ms=*/0);
  Result<ValkeyReply> info = connection.Command({"INFO", "cluster"});
  if (!info.ok()) {
    *problem = info.status().message();
    return std::nullopt;
  }
  if (info->str.find("cluster_enabled:1") != std::string::npos) return true;
  if (info->str.find("cluster_enabled:0") != std::string::npos) return false;
  *problem = connection.description() + ": INFO cluster: no cluster_enabled field";
  return std::nullopt;
}

std::string Describe(const ValkeyNodeAddress& address) { return address.host + ":" + std::to_string(address.port); }

}  // namespace

Status CheckValkeyMode(const ValkeyEndpoint& endpoint, int connect_timeout_ms) {
  std::vector<ValkeyNodeAddress> servers = endpoint.cluster_seeds;
  if (!endpoint.cluster()) servers.push_back({endpoint.host, endpoint.port});
  std::string problems;
  for (const ValkeyNodeAddress& server : servers) {
    std::string problem;
    const std::optional<bool> enabled = ClusterEnabled(server, endpoint.password, connect_timeout_ms, &problem);
    if (!enabled) {
      problems += (problems.empty() ? "" : "; ") + problem;
      continue;
    }
    if (endpoint.cluster() && !*enabled) {
      return Status::FailedPrecondition(
          "VALKEY_URL names a Valkey Cluster (redis+cluster://), but " + Describe(server) +
          " is not in cluster mode (INFO cluster: cluster_enabled:0): set VALKEY_URL=redis://" + Describe(server) +
          "/0 for a single server, or point it at cluster nodes");
    }
    if (!endpoint.cluster() && *enabled) {
      return Status::FailedPrecondition(
          "VALKEY_URL names a single server (redis://), but " + Describe(server) +
          " is a Valkey Cluster node (INFO cluster: cluster_enabled:1), where the queue's multi-key scripts would "
          "fail with CROSSSLOT or MOVED: set VALKEY_URL=redis+cluster://" + Describe(server) +
          "[,host:port...] (db 0)");
    }
    return Status::Ok();
  }
  spdlog::warn("start-up: Valkey mode not checked, no server answered: {}", problems);
  return Status::Ok();
}

}  // namespace flagmeter
