#include "flagmeter/queue/valkey_connection.hpp"

#include <utility>

#include "queue/valkey_cluster_router.hpp"
#include "queue/valkey_node_connection.hpp"

namespace flagmeter {

ValkeyConnection::ValkeyConnection(ValkeyEndpoint endpoint, int connect_timeout_ms, int command_timeout_ms,
                                   int reconnect_backoff_ms) {
  if (endpoint.cluster()) {
    cluster_ = std::make_unique<ValkeyClusterRouter>(std::move(endpoint), connect_timeout_ms, command_timeout_ms,
                                                     reconnect_backoff_ms);
  } else {
    node_ = std::make_unique<ValkeyNodeConnection>(std::move(endpoint), connect_timeout_ms, command_timeout_ms,
                                                   reconnect_backoff_ms);
  }
}

ValkeyConnection::~ValkeyConnection() = default;

Status ValkeyConnection::EnsureConnected() { return node_ ? node_->EnsureConnected() : cluster_->EnsureConnected(); }

void ValkeyConnection::Disconnect() {
  if (node_) node_->Disconnect();
  else cluster_->Disconnect();
}

bool ValkeyConnection::connected() const { return node_ ? node_->connected() : cluster_->connected(); }

const std::string& ValkeyConnection::description() const {
  return node_ ? node_->description() : cluster_->description();
}

Result<ValkeyReply> ValkeyConnection::Command(const std::vector<std::string_view>& args) {
  return node_ ? node_->Command(args) : cluster_->Command(args);
}

Result<std::vector<ValkeyReply>> ValkeyConnection::Pipeline(
    const std::vector<std::vector<std::string_view>>& commands) {
  return node_ ? node_->Pipeline(commands) : cluster_->Pipeline(commands);
}

Result<ValkeyReply> ValkeyConnection::Eval(const ValkeyScript& script, const std::vector<std::string_view>& keys,
                                           const std::vector<std::string_view>& args) {
  return node_ ? node_->Eval(script, keys, args) : cluster_->Eval(script, keys, args);
}

}  // namespace flagmeter
