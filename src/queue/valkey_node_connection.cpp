#include "queue/valkey_node_connection.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <memory>
#include <utility>

#include "queue/resp_command.hpp"

namespace flagmeter {
namespace {

using Clock = std::chrono::steady_clock;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>(ms % 1000) * 1000;
  return tv;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Error replies the server sends while it cannot serve right now; retrying
// later may succeed, so they are Unavailable rather than Internal.
Status ErrorReplyStatus(std::string message) {
  for (std::string_view transient :
       {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"}) {
    if (StartsWith(message, transient)) return Status::Unavailable(std::move(message));
  }
  if (StartsWith(message, "OOM")) return Status::Overloaded(std::move(message));
  return Status::Internal(std::move(message));
}

ValkeyReply Convert(const redisReply& reply) {
  ValkeyReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = ValkeyReply::Type::kString;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = ValkeyReply::Type::kStatus;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = ValkeyReply::Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = ValkeyReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) out.elements.push_back(Convert(*reply.element[i]));
      break;
    default:
      out.type = ValkeyReply::Type::kNil;
      break;
  }
  return out;
}

// "RPUSH events": the command and its first argument (a key for every command
// we send), short enough for a log line.
std::string CommandLabel(const std::vector<std::string_view>& args) {
  constexpr std::size_t kMaxLabel = 80;
  std::string label(args.empty() ? std::string_view("(empty command)") : args[0]);
  if (args.size() > 1) label.append(" ").append(args[1].substr(0, kMaxLabel));
  return label;
}

// hiredis 0.14 writes with write(2): a write to a socket the server has
// closed raises SIGPIPE, which by default ends the process. Blocking it on
// the thread that does the I/O turns it into an EPIPE error (the signal
// stays pending for that thread and is never delivered), without changing
// process-wide signal handling behind the application's back.
void BlockSigpipeOnThisThread() {
  thread_local bool blocked = false;
  if (blocked) return;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  blocked = true;
}

}  // namespace

ValkeyNodeConnection::ValkeyNodeConnection(ValkeyEndpoint endpoint, int connect_timeout_ms,
                                   int command_timeout_ms, int reconnect_backoff_ms)
    : endpoint_(std::move(endpoint)),
      connect_timeout_ms_(connect_timeout_ms),
      command_timeout_ms_(command_timeout_ms),
      reconnect_backoff_(reconnect_backoff_ms),
      description_("valkey " + endpoint_.host + ":" + std::to_string(endpoint_.port)) {}

ValkeyNodeConnection::~ValkeyNodeConnection() { Disconnect(); }

void ValkeyNodeConnection::Disconnect() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

Status ValkeyNodeConnection::EnsureConnected() {
  BlockSigpipeOnThisThread();
  if (context_ != nullptr) return Status::Ok();
  const auto now = Clock::now();
  if (!last_connect_error_.ok() && now - last_connect_attempt_ < reconnect_backoff_) {
    // Fail fast: a connect was refused or timed out moments ago, and trying
    // again per request would turn an outage into a connect storm.
    if (last_connect_error_.code() != Status::Code::kUnavailable) return last_connect_error_;  // e.g. AUTH
    const auto ago = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_connect_attempt_);
    return Status::Unavailable(last_connect_error_.message() + " (last attempt " +
                               std::to_string(ago.count()) + " ms ago)");
  }
  last_connect_attempt_ = now;
  Status status = Connect();
  if (status.ok()) status = Handshake();
  if (!status.ok()) {
    Disconnect();
    if (last_connect_error_.ok()) spdlog::warn("{}", status.message());
    last_connect_error_ = status;
    return status;
  }
  if (!last_connect_error_.ok() || ever_connected_) spdlog::info("{}: connected", description_);
  last_connect_error_ = Status::Ok();
  ever_connected_ = true;
  return Status::Ok();
}

Status ValkeyNodeConnection::Connect() {
  context_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                     ToTimeval(connect_timeout_ms_));
  if (context_ == nullptr) return Status::Internal(description_ + ": connect: cannot allocate a context");
  if (context_->err != 0) {
    return Status::Unavailable(description_ + ": connect (timeout " + std::to_string(connect_timeout_ms_) +
                               " ms): " + context_->errstr);
  }
  if (redisSetTimeout(context_, ToTimeval(command_timeout_ms_)) != REDIS_OK) {
    return Status::Unavailable(description_ + ": set command timeout: " + context_->errstr);
  }
  return Status::Ok();
}

Status ValkeyNodeConnection::Handshake() {
  if (!endpoint_.password.empty()) {
    // The label hides the password: error messages are logged.
    auto auth = Execute({"AUTH", endpoint_.password}, "AUTH");
    if (!auth.ok()) return auth.status();
  }
  if (endpoint_.db != 0) {
    const std::string db = std::to_string(endpoint_.db);
    auto select = Execute({"SELECT", db}, "SELECT " + db);
    if (!select.ok()) return select.status();
  }
  return Status::Ok();
}

Status ValkeyNodeConnection::IoError(std::string_view label) {
  std::string message = description_ + ": " + std::string(label) + ": " + context_->errstr;
  if (context_->err == REDIS_ERR_IO && std::string_view(context_->errstr) == "Resource temporarily unavailable") {
    message += " (no reply within " + std::to_string(command_timeout_ms_) + " ms)";
  }
  spdlog::warn("{}; reconnecting on next use", message);
  Disconnect();
  return Status::Unavailable(std::move(message));
}

// hiredis has copied the command into its own output buffer by now.
void ValkeyNodeConnection::ReleaseLargeCommandBuffer() {
  if (command_buffer_.capacity() > kMaxRetainedCommandBufferBytes) std::string().swap(command_buffer_);
}

Result<ValkeyReply> ValkeyNodeConnection::Execute(const std::vector<std::string_view>& args,
                                              std::string_view label) {
  command_buffer_.clear();
  AppendRespCommand(args, command_buffer_);
  const int appended = redisAppendFormattedCommand(context_, command_buffer_.data(), command_buffer_.size());
  ReleaseLargeCommandBuffer();
  if (appended != REDIS_OK) return IoError(label);
  void* raw = nullptr;
  const int received = redisGetReply(context_, &raw);
  ReplyPtr reply(static_cast<redisReply*>(raw));
  if (received != REDIS_OK || reply == nullptr) return IoError(label);
  if (reply->type == REDIS_REPLY_ERROR) {
    last_error_reply_.assign(reply->str, reply->len);
    return ErrorReplyStatus(std::string(reply->str, reply->len))
        .WithContext(description_ + ": " + std::string(label));
  }
  return Convert(*reply);
}

Result<ValkeyReply> ValkeyNodeConnection::Command(const std::vector<std::string_view>& args, bool asking) {
  const std::string label = CommandLabel(args);
  last_error_reply_.clear();
  if (Status status = EnsureConnected(); !status.ok()) return status;
  if (asking) {
    if (auto sent = Execute({"ASKING"}, "ASKING before " + label); !sent.ok()) return sent.status();
  }
  return Execute(args, label);
}

Result<std::vector<ValkeyReply>> ValkeyNodeConnection::Pipeline(
    const std::vector<std::vector<std::string_view>>& commands, bool asking) {
  const std::string label = commands.empty() ? "pipeline" : "pipeline " + CommandLabel(commands.front());
  last_error_reply_.clear();
  every_reply_failed_ = false;
  if (Status status = EnsureConnected(); !status.ok()) return status;
  // ASKING holds for the next command only: one before each.
  static const std::vector<std::string_view> kAsking{"ASKING"};
  command_buffer_.clear();
  for (const auto& args : commands) {
    if (asking) AppendRespCommand(kAsking, command_buffer_);
    AppendRespCommand(args, command_buffer_);
  }
  const int appended = command_buffer_.empty()
                           ? REDIS_OK
                           : redisAppendFormattedCommand(context_, command_buffer_.data(), command_buffer_.size());
  ReleaseLargeCommandBuffer();
  if (appended != REDIS_OK) return IoError(label);
  std::vector<ValkeyReply> replies;
  Status first_error;
  std::size_t error_replies = 0;
  for (const auto& args : commands) {
    void* raw = nullptr;
    if (asking) {
      if (redisGetReply(context_, &raw) != REDIS_OK) return IoError(label);
      freeReplyObject(raw);
    }
    if (redisGetReply(context_, &raw) != REDIS_OK) return IoError(label);
    ReplyPtr reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ERROR) {
      ++error_replies;
      if (first_error.ok()) {
        last_error_reply_.assign(reply->str, reply->len);
        first_error = ErrorReplyStatus(last_error_reply_).WithContext(description_ + ": " + CommandLabel(args));
      }
    }
    replies.push_back(Convert(*reply));
  }
  every_reply_failed_ = !commands.empty() && error_replies == commands.size();
  if (!first_error.ok()) return first_error;
  return replies;
}

Result<std::string> ValkeyNodeConnection::LoadScript(const ValkeyScript& script) {
  auto reply = Execute({"SCRIPT", "LOAD", script.source}, "SCRIPT LOAD " + std::string(script.name));
  if (!reply.ok()) return reply.status();
  if (reply->type != ValkeyReply::Type::kString) {
    return Status::Internal(description_ + ": SCRIPT LOAD " + std::string(script.name) +
                            ": expected the script's SHA1, got another reply type");
  }
  script_sha_[script.source] = reply->str;
  return std::move(reply->str);
}

Result<ValkeyReply> ValkeyNodeConnection::Eval(const ValkeyScript& script,
                                               const std::vector<std::string_view>& keys,
                                               const std::vector<std::string_view>& args, bool asking) {
  const std::string label = "script " + std::string(script.name);
  last_error_reply_.clear();
  if (Status status = EnsureConnected(); !status.ok()) return status;
  auto known = script_sha_.find(script.source);
  std::string sha;
  if (known != script_sha_.end()) {
    sha = known->second;
  } else {
    auto loaded = LoadScript(script);
    if (!loaded.ok()) return loaded.status();
    sha = std::move(*loaded);
  }
  const std::string num_keys = std::to_string(keys.size());
  std::vector<std::string_view> argv{"EVALSHA", sha, num_keys};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto reply = ExecuteAsking(argv, label, asking);
  if (reply.ok() || !connected() || !StartsWith(last_error_reply_, "NOSCRIPT")) {
    return reply;
  }
  // The server lost its script cache (restart, SCRIPT FLUSH, failover):
  // load the script again and retry once. NOSCRIPT means nothing ran.
  auto reloaded = LoadScript(script);
  if (!reloaded.ok()) return reloaded.status();
  sha = std::move(*reloaded);
  argv[1] = sha;
  return ExecuteAsking(argv, label, asking);
}

Result<ValkeyReply> ValkeyNodeConnection::ExecuteAsking(const std::vector<std::string_view>& args,
                                                        std::string_view label, bool asking) {
  last_error_reply_.clear();
  if (asking) {
    if (auto sent = Execute({"ASKING"}, "ASKING before " + std::string(label)); !sent.ok()) return sent.status();
  }
  return Execute(args, label);
}

}  // namespace flagmeter
