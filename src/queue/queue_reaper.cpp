#include "flagmeter/queue/queue_reaper.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "flagmeter/queue/queue_shards.hpp"
#include "queue/lua_scripts.hpp"

namespace flagmeter {

QueueReaper::QueueReaper(QueueConfig config)
    : config_(std::move(config)),
      shards_(ShardNames(config_)),
      connection_(config_.valkey, config_.connect_timeout_ms) {}

Result<std::size_t> QueueReaper::RequeueExpired() {
  std::size_t total = 0;
  // Every shard is reaped even when one fails (on a cluster, its node may
  // be the one down); the first failure is reported.
  Status first_failure;
  for (const std::string& shard : shards_) {
    const std::string context = "valkey queue '" + shard + "': requeue expired batches";
    const std::string consumers = shard + ":consumers";
    auto reply = connection_.Eval(lua::kRequeueExpired, {shard, consumers}, {shard});
    if (!reply.ok()) {
      if (first_failure.ok()) first_failure = reply.status().WithContext(context);
      continue;
    }
    if (reply->type != ValkeyReply::Type::kInteger) {
      if (first_failure.ok()) {
        first_failure = Status::Internal(context + ": " + connection_.description() + ": expected an integer reply");
      }
      continue;
    }
    if (reply->integer > 0) {
      spdlog::warn("{}: put {} events of consumers whose lease expired back at the head of the queue", context,
                   reply->integer);
    }
    total += static_cast<std::size_t>(reply->integer);
  }
  if (!first_failure.ok()) return first_failure;
  return total;
}

Result<std::int64_t> QueueReaper::QueueDepth() {
  std::int64_t total = 0;
  for (const std::string& shard : shards_) {
    auto reply = connection_.Command({"LLEN", shard});
    if (!reply.ok()) return reply.status().WithContext("valkey queue '" + shard + "': depth");
    total += reply->integer;
  }
  return total;
}

Result<std::int64_t> QueueReaper::InflightCount() {
  std::int64_t total = 0;
  for (const std::string& shard : shards_) {
    const std::string consumers = shard + ":consumers";
    auto reply = connection_.Eval(lua::kInflight, {consumers}, {shard});
    if (!reply.ok()) return reply.status().WithContext("valkey queue '" + shard + "': inflight count");
    total += reply->integer;
  }
  return total;
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
