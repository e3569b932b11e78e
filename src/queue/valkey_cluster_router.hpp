#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/valkey_connection.hpp"
#include "queue/valkey_node_connection.hpp"

namespace flagmeter {

/// ValkeyConnection's cluster mode: the slot map, one connection per node,
/// and the redirect and retry rules that ValkeyConnection's header states.
/// Blocking. Thread-compatible: owned and used by one thread at a time.
class ValkeyClusterRouter final {
 public:
  /// `endpoint.cluster()` must be true.
  ValkeyClusterRouter(ValkeyEndpoint endpoint, int connect_timeout_ms, int command_timeout_ms,
                      int reconnect_backoff_ms);
  ~ValkeyClusterRouter();
  ValkeyClusterRouter(const ValkeyClusterRouter&) = delete;
  ValkeyClusterRouter& operator=(const ValkeyClusterRouter&) = delete;

  Status EnsureConnected();
  void Disconnect();
  bool connected() const;
  const std::string& description() const { return description_; }

  Result<ValkeyReply> Command(const std::vector<std::string_view>& args);
  Result<std::vector<ValkeyReply>> Pipeline(const std::vector<std::vector<std::string_view>>& commands);
  Result<ValkeyReply> Eval(const ValkeyScript& script, const std::vector<std::string_view>& keys,
                           const std::vector<std::string_view>& args);

 private:
  struct Node {
    ValkeyNodeAddress address;
    std::unique_ptr<ValkeyNodeConnection> connection;
  };
  // One try on `node`; `asking` after an ASK redirect.
  template <typename T>
  using Attempt = std::function<Result<T>(ValkeyNodeConnection& node, bool asking)>;

  // Whether a failed try changed nothing, so that it may be redirected or
  // retried; unset: always (a single command or script that got an error
  // reply did not run).
  using NothingRan = std::function<bool(const ValkeyNodeConnection& node)>;

  // What one call has spent so far.
  struct CallState {
    int redirects = 0;
    int paused_ms = 0;
    int next_pause_ms = ValkeyConnection::kClusterFirstRetryPauseMs;
    std::optional<ValkeyNodeAddress> ask_target;  // set: the next try is ASKING on this node
  };

  template <typename T>
  Result<T> Route(std::optional<int> slot, const std::string& label, const Attempt<T>& attempt,
                  const NothingRan& nothing_ran = {});
  Status FollowAnswer(const Node& node, const Status& failure, CallState& call);
  Status CountRedirect(const Status& failure, CallState& call) const;
  Node* PickNode(std::optional<int> slot);
  Node& NodeAt(const ValkeyNodeAddress& address);
  Status EnsureSlotMap();
  Status RefreshSlotMap();
  Status ApplySlots(const ValkeyReply& reply, const ValkeyNodeAddress& asked);

  // Constant after construction.
  const ValkeyEndpoint endpoint_;
  const int connect_timeout_ms_;
  const int command_timeout_ms_;
  const int reconnect_backoff_ms_;
  const std::string description_;

  std::vector<std::unique_ptr<Node>> nodes_;  // every node met, never removed (a cluster has few)
  std::vector<Node*> slot_owner_;             // kClusterSlotCount entries; nullptr: no master known
  bool slot_map_stale_ = true;                // read CLUSTER SLOTS before the next call
  Node* last_node_ = nullptr;                 // where the previous call went (keyless commands follow it)
};

}  // namespace flagmeter
