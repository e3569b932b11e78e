#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

class ValkeyNodeConnection;
class ValkeyClusterRouter;

/// One reply from Valkey, copied out of hiredis so that no hiredis type leaks
/// past the connection code in src/queue/. Error replies never appear here: they become a
/// Status.
struct ValkeyReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray };

  Type type = Type::kNil;
  std::string str;                   // kString and kStatus
  std::int64_t integer = 0;          // kInteger
  std::vector<ValkeyReply> elements; // kArray
};

/// A Lua script run with EVALSHA. `name` appears in error messages. Both
/// views must outlive every connection that runs the script (scripts are
/// static constants).
struct ValkeyScript {
  std::string_view name;
  std::string_view source;
};

/// A blocking connection to Valkey (or Redis 7) over hiredis: to one server
/// for a redis:// VALKEY_URL, or to a Valkey Cluster for a redis+cluster://
/// one. Callers use the same three calls either way.
///
/// Connects lazily: every command first calls EnsureConnected(). An I/O error
/// (refused, reset, timed out) frees the context, so the next command
/// reconnects. After a failed connect, EnsureConnected() fails fast with the
/// last error, without touching the network, until `reconnect_backoff_ms` has
/// passed: a caller in a loop never spins on connect().
///
/// Failures: Unavailable for I/O errors and for the server's transient error
/// replies (LOADING, BUSY, ...); Overloaded for OOM; Internal for any other
/// error reply or an unexpected reply type. Messages name the server and the
/// command: "valkey 127.0.0.1:6379: RPUSH events: Connection refused".
///
/// Cluster mode (endpoint.cluster()): the slot map comes from CLUSTER SLOTS
/// (masters only) of any seed or known node; one lazily made connection per
/// node, each with the connect, backoff and error rules above.
///  - Command() goes to the master of args[1]'s slot: every keyed command
///    FlagMeter sends has its key there. Commands known to take no key
///    (IsKeylessCommand in src/queue/cluster_slots.hpp: PING, WAIT, INFO,
///    CLUSTER, SCRIPT, CONFIG, ...) are keyless whatever their arguments.
///  - Eval() goes to the master of keys[0]'s slot. Every key a script touches
///    (those in `keys` and those it builds from them) must share that slot:
///    give them one hash tag. SCRIPT LOAD and the NOSCRIPT reload happen on
///    that node.
///  - Pipeline() goes to the master of the first command's args[1]; all keys
///    of one pipeline must share a slot.
///  - A keyless command (PING, WAIT, ...) goes to the node the previous call
///    on this object went to (any master when there was none, or when that
///    call broke the connection). So `WAIT n t` right after a push waits for
///    the replicas of the node that took the push.
///  - MOVED: the slot map is refreshed and the command retried on the new
///    owner. ASK: ASKING then the command on the named node, once, the map
///    unchanged. TRYAGAIN, CLUSTERDOWN: retried after a growing pause (from
///    kClusterFirstRetryPauseMs, doubling to kClusterMaxRetryPauseMs), for at
///    most endpoint.cluster_retry_budget_ms in all; then Unavailable. At most
///    endpoint.cluster_max_redirects MOVED/ASK per call; then Unavailable. A pipeline is redirected or retried only when every reply
///    was an error (nothing ran); else its first error is returned.
///  - An I/O error drops that node's connection and marks the map stale: the
///    next call reads CLUSTER SLOTS again (after a failover, the promoted
///    replica owns the slots) before it picks a node. The failed call itself
///    is not retried: it may have run.
/// Each redirect, retry and map refresh is counted in ValkeyClusterCounters.
///
/// Blocking: every method may wait up to the connect timeout plus the command
/// timeout (in cluster mode, per node tried, plus the retry budget).
/// Thread-compatible: owned and used by one thread at a time.
class ValkeyConnection final {
 public:
  static constexpr int kDefaultCommandTimeoutMs = 3000;
  static constexpr int kDefaultReconnectBackoffMs = 200;
  /// Cluster mode: the first pause after TRYAGAIN or CLUSTERDOWN; each next
  /// one doubles, up to kClusterMaxRetryPauseMs.
  static constexpr int kClusterFirstRetryPauseMs = 20;
  static constexpr int kClusterMaxRetryPauseMs = 500;

  ValkeyConnection(ValkeyEndpoint endpoint, int connect_timeout_ms,
                   int command_timeout_ms = kDefaultCommandTimeoutMs,
                   int reconnect_backoff_ms = kDefaultReconnectBackoffMs);
  ~ValkeyConnection();
  ValkeyConnection(const ValkeyConnection&) = delete;
  ValkeyConnection& operator=(const ValkeyConnection&) = delete;

  /// Connects (TCP, AUTH when a password is set, SELECT db) unless already
  /// connected; in cluster mode, reads the slot map when it has none (or a
  /// stale one) and connects to the node of the previous call or any master.
  /// Blocking.
  Status EnsureConnected();

  /// Closes the connection (every node's); the next command reconnects.
  void Disconnect();

  /// Whether the connection (in cluster mode: the one the previous call
  /// used) is open.
  bool connected() const;

  /// "valkey host:port" ("valkey cluster host:port,host:port" for a
  /// cluster), the prefix of every error message.
  const std::string& description() const;

  /// Runs one command; `args` are arbitrary bytes (sent with explicit lengths).
  Result<ValkeyReply> Command(const std::vector<std::string_view>& args);

  /// Sends all `commands` in one write and reads all replies (pipelining).
  /// Fails with the first error reply, after reading every reply so the
  /// connection stays usable.
  Result<std::vector<ValkeyReply>> Pipeline(
      const std::vector<std::vector<std::string_view>>& commands);

  /// Runs `script` with EVALSHA; loads it (SCRIPT LOAD) on first use and again
  /// when the server answers NOSCRIPT (e.g. after a restart or SCRIPT FLUSH).
  Result<ValkeyReply> Eval(const ValkeyScript& script,
                           const std::vector<std::string_view>& keys,
                           const std::vector<std::string_view>& args);

 private:
  // Exactly one is set: node_ for one server, cluster_ for a cluster.
  std::unique_ptr<ValkeyNodeConnection> node_;
  std::unique_ptr<ValkeyClusterRouter> cluster_;
};

}  // namespace flagmeter
