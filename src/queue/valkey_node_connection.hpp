#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/valkey_connection.hpp"

struct redisContext;

namespace flagmeter {

/// One blocking hiredis connection to one server: what ValkeyConnection is
/// for a redis:// URL, and what it holds per node for a redis+cluster:// one.
///
/// Connects lazily; an I/O error frees the context so the next call
/// reconnects; after a failed connect, calls fail fast with the last error
/// until `reconnect_backoff_ms` has passed. Errors as ValkeyConnection
/// documents them. `asking` sends ASKING right before the command (before
/// each one of a pipeline, before EVALSHA of a script), for a Valkey
/// Cluster's ASK redirect.
///
/// Blocking. Thread-compatible: owned and used by one thread at a time.
class ValkeyNodeConnection final {
 public:
  /// `endpoint` names one server; its cluster seeds are ignored.
  ValkeyNodeConnection(ValkeyEndpoint endpoint, int connect_timeout_ms, int command_timeout_ms,
                       int reconnect_backoff_ms);
  ~ValkeyNodeConnection();
  ValkeyNodeConnection(const ValkeyNodeConnection&) = delete;
  ValkeyNodeConnection& operator=(const ValkeyNodeConnection&) = delete;

  Status EnsureConnected();
  void Disconnect();
  bool connected() const { return context_ != nullptr; }
  const std::string& description() const { return description_; }

  Result<ValkeyReply> Command(const std::vector<std::string_view>& args, bool asking = false);
  Result<std::vector<ValkeyReply>> Pipeline(const std::vector<std::vector<std::string_view>>& commands,
                                            bool asking = false);
  Result<ValkeyReply> Eval(const ValkeyScript& script, const std::vector<std::string_view>& keys,
                           const std::vector<std::string_view>& args, bool asking = false);

  /// The server's error reply to the last call, verbatim ("MOVED 3999
  /// 127.0.0.1:6381"); the first one for a pipeline. Empty when the last
  /// call failed otherwise (I/O, connect) or succeeded.
  const std::string& last_error_reply() const { return last_error_reply_; }

  /// True when every reply of the last pipeline was an error reply.
  bool every_reply_failed() const { return every_reply_failed_; }

 private:
  Status Connect();
  Status Handshake();
  Result<ValkeyReply> Execute(const std::vector<std::string_view>& args, std::string_view label);
  Result<ValkeyReply> ExecuteAsking(const std::vector<std::string_view>& args, std::string_view label, bool asking);
  Result<std::string> LoadScript(const ValkeyScript& script);
  Status IoError(std::string_view label);
  void ReleaseLargeCommandBuffer();

  /// The most command_buffer_ keeps between calls: a larger one (a huge
  /// batch) is freed once sent, so a one-off command does not pin its size.
  static constexpr std::size_t kMaxRetainedCommandBufferBytes = std::size_t{1} << 20;

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
  std::string last_error_reply_;
  bool every_reply_failed_ = false;
  // The RESP bytes of the command (or pipeline) being sent; cleared and
  // reused so that sending allocates nothing once it has grown.
  std::string command_buffer_;
};

}  // namespace flagmeter
