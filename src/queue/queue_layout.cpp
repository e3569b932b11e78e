#include "flagmeter/queue/queue_layout.hpp"

#include <charconv>
#include <cstdint>
#include <vector>

#include <spdlog/spdlog.h>

#include "flagmeter/queue/queue_shards.hpp"
#include "queue/lua_scripts.hpp"

namespace flagmeter {
namespace {

constexpr std::string_view kHashTagged = " hash-tagged";

// Events held by every shard of `layout`: waiting, claimed, dead letters.
Result<std::int64_t> EventsHeld(const std::string& queue, const QueueLayout& layout, ValkeyConnection& connection) {
  std::int64_t total = 0;
  const auto shards = static_cast<std::size_t>(layout.shards);
  for (std::size_t i = 0; i < shards; ++i) {
    const std::string shard = ShardName(queue, i, shards, layout.hash_tags);
    const std::string context = "queue layout: counting the events of '" + shard + "'";
    auto waiting = connection.Command({"LLEN", shard});
    if (!waiting.ok()) return waiting.status().WithContext(context);
    const std::string consumers = shard + ":consumers";
    auto claimed = connection.Eval(lua::kInflight, {consumers}, {shard});
    if (!claimed.ok()) return claimed.status().WithContext(context);
    const std::string dead_key = shard + ":dead";
    auto dead = connection.Command({"LLEN", dead_key});
    if (!dead.ok()) return dead.status().WithContext(context);
    total += waiting->integer + claimed->integer + dead->integer;
  }
  return total;
}

}  // namespace

QueueLayout QueueLayout::Of(const QueueConfig& config) {
  return QueueLayout{config.shards, ShardsHashTagged(static_cast<std::size_t>(config.shards), config.hash_tags)};
}

std::string QueueLayout::ToString() const {
  std::string text = std::to_string(shards);
  if (shards == 1 && hash_tags) text += kHashTagged;
  return text;
}

std::optional<QueueLayout> QueueLayout::Parse(const std::string& text) {
  QueueLayout layout;
  const char* end = text.data() + text.size();
  const auto [rest, ec] = std::from_chars(text.data(), end, layout.shards);
  if (ec != std::errc() || layout.shards < 1) return std::nullopt;
  const std::string_view suffix(rest, static_cast<std::size_t>(end - rest));
  if (!suffix.empty() && suffix != kHashTagged) return std::nullopt;
  layout.hash_tags = layout.shards > 1 || !suffix.empty();
  return layout;
}

bool QueueLayout::SameKeys(const QueueLayout& other) const {
  return shards == other.shards && ShardsHashTagged(shards, hash_tags) == ShardsHashTagged(other.shards, other.hash_tags);
}

Status CheckQueueLayout(const QueueConfig& config, ValkeyConnection& connection) {
  const std::string key = QueueLayoutKey(config.name);
  const QueueLayout wanted = QueueLayout::Of(config);
  auto stored = connection.Command({"GET", key});
  if (!stored.ok()) return stored.status().WithContext("queue layout: reading " + key);
  QueueLayout recorded;  // none recorded: one plain shard
  if (stored->type == ValkeyReply::Type::kString) {
    std::optional<QueueLayout> parsed = QueueLayout::Parse(stored->str);
    if (!parsed) return Status::Internal("queue layout: " + key + " holds '" + stored->str + "', not a layout");
    recorded = *parsed;
  }
  const bool known = stored->type == ValkeyReply::Type::kString;
  if (recorded.SameKeys(wanted)) {
    if (known) return Status::Ok();
  } else {
    Result<std::int64_t> held = EventsHeld(config.name, recorded, connection);
    if (!held.ok()) return held.status();
    if (*held > 0) {
      const std::string now = "QUEUE_SHARDS=" + wanted.ToString();
      const std::string before = "QUEUE_SHARDS=" + recorded.ToString();
      return Status::FailedPrecondition(
          now + " but queue '" + config.name + "' was laid out with " + before + " and holds " +
          std::to_string(*held) + " events (waiting, claimed or dead letters); drain them with " + before +
          " first (let the workers empty the queue, redrive or discard the dead letters), then restart with " + now);
    }
    spdlog::info("queue layout: queue '{}' is empty; changing its layout from QUEUE_SHARDS={} to QUEUE_SHARDS={}",
                 config.name, recorded.ToString(), wanted.ToString());
  }
  const std::string value = wanted.ToString();
  auto written = connection.Command({"SET", key, value});
  if (!written.ok()) return written.status().WithContext("queue layout: recording " + key);
  return Status::Ok();
}

}  // namespace flagmeter
