#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"

struct redisContext;

namespace flagmeter {

/// One reply from Valkey, copied out of hiredis so that no hiredis type leaks
/// past valkey_connection.cpp. Error replies never appear here: they become a
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

/// One blocking connection to Valkey (or Redis 7) over hiredis.
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
/// Blocking: every method may wait up to the connect timeout plus the command
/// timeout. Thread-compatible: owned and used by one thread at a time.
class ValkeyConnection final {
 public:
  static constexpr int kDefaultCommandTimeoutMs = 3000;
  static constexpr int kDefaultReconnectBackoffMs = 200;

  ValkeyConnection(ValkeyEndpoint endpoint, int connect_timeout_ms,
                   int command_timeout_ms = kDefaultCommandTimeoutMs,
                   int reconnect_backoff_ms = kDefaultReconnectBackoffMs);
  ~ValkeyConnection();
  ValkeyConnection(const ValkeyConnection&) = delete;
  ValkeyConnection& operator=(const ValkeyConnection&) = delete;

  /// Connects (TCP, AUTH when a password is set, SELECT db) unless already
  /// connected. Blocking.
  Status EnsureConnected();

  /// Closes the connection; the next command reconnects.
  void Disconnect();

  bool connected() const { return context_ != nullptr; }

  /// "valkey host:port", the prefix of every error message.
  const std::string& description() const { return description_; }

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
  Status Connect();
  Status Handshake();
  Result<ValkeyReply> Execute(const std::vector<std::string_view>& args,
                              std::string_view label);
  Result<std::string> LoadScript(const ValkeyScript& script);
  Status IoError(std::string_view label);

  // Constant after construction.
  const ValkeyEndpoint endpoint_;
  const int connect_timeout_ms_;
  const int command_timeout_ms_;
  const std::chrono::milliseconds reconnect_backoff_;
  const std::string description_;

  redisContext* context_ = nullptr;
  bool ever_connected_ = false;
  Status last_connect_error_;
  std::chrono::steady_clock::time_point last_connect_attempt_{};
  std::unordered_map<std::string_view, std::string> script_sha_;  // by source
};

}  // namespace flagmeter
