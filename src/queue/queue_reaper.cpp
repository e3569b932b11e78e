#include "flagmeter/queue/queue_reaper.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "queue/lua_scripts.hpp"

namespace flagmeter {

QueueReaper::QueueReaper(QueueConfig config)
    : config_(std::move(config)),
      consumers_key_(config_.name + ":consumers"),
      connection_(config_.valkey, config_.connect_timeout_ms) {}

Result<std::size_t> QueueReaper::RequeueExpired() {
  const std::string context = "valkey queue '" + config_.name + "': requeue expired batches";
  auto reply = connection_.Eval(lua::kRequeueExpired, {config_.name, consumers_key_}, {config_.name});
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kInteger) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an integer reply");
  }
  if (reply->integer > 0) {
    spdlog::warn("{}: put {} events of consumers whose lease expired back at the head of the queue",
                 context, reply->integer);
  }
  return static_cast<std::size_t>(reply->integer);
}

Result<std::int64_t> QueueReaper::QueueDepth() {
  auto reply = connection_.Command({"LLEN", config_.name});
  if (!reply.ok()) return reply.status().WithContext("valkey queue '" + config_.name + "': depth");
  return reply->integer;
}

Result<std::int64_t> QueueReaper::InflightCount() {
  auto reply = connection_.Eval(lua::kInflight, {consumers_key_}, {config_.name});
  if (!reply.ok()) return reply.status().WithContext("valkey queue '" + config_.name + "': inflight count");
  return reply->integer;
}

Status QueueReaper::Ping() {
  auto reply = connection_.Command({"PING"});
  if (!reply.ok()) return reply.status();
  if (reply->type != ValkeyReply::Type::kStatus || reply->str != "PONG") {
    return Status::Internal(connection_.description() + ": PING: unexpected reply '" + reply->str + "'");
  }
  return Status::Ok();
}

}  // namespace flagmeter
