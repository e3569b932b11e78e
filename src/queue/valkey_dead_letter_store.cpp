#include "flagmeter/queue/valkey_dead_letter_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

#include "flagmeter/queue/queue_shards.hpp"
#include "queue/dead_letter_scripts.hpp"

namespace flagmeter {

namespace {

std::vector<ValkeyDeadLetterStore::ShardKeys> MakeShardKeys(const QueueConfig& config) {
  std::vector<ValkeyDeadLetterStore::ShardKeys> shards;
  for (std::string& name : ShardNames(config)) {
    ValkeyDeadLetterStore::ShardKeys keys;
    keys.dead = name + ":dead";
    keys.counts = keys.dead + ":counts";
    keys.seq = keys.dead + ":seq";
    keys.queue = std::move(name);
    shards.push_back(std::move(keys));
  }
  return shards;
}

}  // namespace

ValkeyDeadLetterStore::ValkeyDeadLetterStore(QueueConfig config)
    : config_(std::move(config)),
      shards_(MakeShardKeys(config_)),
      connection_(config_.valkey, config_.connect_timeout_ms) {}

std::uint64_t ValkeyDeadLetterStore::GlobalId(std::uint64_t local_id, std::size_t shard) const {
  // 0 stays 0: a record of an earlier version not numbered yet.
  return local_id == 0 ? 0 : local_id * shards_.size() + shard;
}

Result<DeadLetterCounts> ValkeyDeadLetterStore::Count() {
  DeadLetterCounts total;
  for (const ShardKeys& shard : shards_) {
    const std::string context = "valkey dead letters '" + shard.dead + "': count";
    auto reply = connection_.Eval(lua::kDeadLetterCount, {shard.dead, shard.counts, shard.seq}, {});
    if (!reply.ok()) return reply.status().WithContext(context);
    if (reply->type != ValkeyReply::Type::kArray || reply->elements.size() != 3) {
      return Status::Internal(context + ": " + connection_.description() + ": expected an array of 3");
    }
    total.undecodable += reply->elements[0].integer;
    total.refused += reply->elements[1].integer;
    total.renumbered += reply->elements[2].integer;
    if (reply->elements[2].integer > 0) {
      spdlog::info("{}: gave ids to the {} records, some of which were written by an earlier version", context,
                   reply->elements[2].integer);
    }
  }
  return total;
}

Result<DeadLetterPage> ValkeyDeadLetterStore::ListShard(std::size_t index, std::uint64_t after_id,
                                                        std::size_t limit) {
  const ShardKeys& shard = shards_[index];
  const std::string context = "valkey dead letters '" + shard.dead + "': list";
  // Global ids id * S + shard above after_id are the local ids above this one.
  const std::uint64_t count_of_shards = shards_.size();
  const std::uint64_t local_after = after_id < index ? 0 : (after_id - index) / count_of_shards;
  const std::string after = std::to_string(local_after);
  const std::string count = std::to_string(limit);
  auto reply = connection_.Eval(lua::kDeadLetterPage, {shard.dead}, {after, count});
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray || reply->elements.size() < 3) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an array of at least 3");
  }
  DeadLetterPage page;
  page.total = reply->elements[0].integer;
  page.more = reply->elements[1].integer == 1;
  page.tail_id = GlobalId(static_cast<std::uint64_t>(reply->elements[2].integer), index);
  page.entries.reserve(reply->elements.size() - 3);
  for (std::size_t i = 3; i < reply->elements.size(); ++i) {
    page.entries.push_back(ReadDeadLetterRecord(std::move(reply->elements[i].str)));
    page.entries.back().id = GlobalId(page.entries.back().id, index);
  }
  return page;
}

Result<DeadLetterPage> ValkeyDeadLetterStore::List(std::uint64_t after_id, std::size_t limit) {
  if (shards_.size() == 1) return ListShard(0, after_id, limit);
  // Each shard's next page, merged by id: the first `limit` of them are the
  // whole queue's next page.
  DeadLetterPage merged;
  for (std::size_t index = 0; index < shards_.size(); ++index) {
    Result<DeadLetterPage> page = ListShard(index, after_id, limit);
    if (!page.ok()) return page.status();
    merged.total += page->total;
    merged.more = merged.more || page->more;
    merged.tail_id = std::max(merged.tail_id, page->tail_id);
    std::move(page->entries.begin(), page->entries.end(), std::back_inserter(merged.entries));
  }
  std::stable_sort(merged.entries.begin(), merged.entries.end(),
                   [](const DeadLetterEntry& a, const DeadLetterEntry& b) { return a.id < b.id; });
  if (merged.entries.size() > limit) {
    merged.entries.resize(limit);
    merged.more = true;
  }
  return merged;
}

Result<std::vector<std::optional<DeadLetterEntry>>> ValkeyDeadLetterStore::Find(
    const std::vector<std::uint64_t>& ids) {
  std::vector<std::optional<DeadLetterEntry>> found(ids.size());
  for (std::size_t index = 0; index < shards_.size(); ++index) {
    const ShardKeys& shard = shards_[index];
    const std::string context = "valkey dead letters '" + shard.dead + "': find";
    std::vector<std::size_t> asked;  // positions in `ids` of this shard's ids
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] % shards_.size() != index) continue;
      asked.push_back(i);
      texts.push_back(std::to_string(ids[i] / shards_.size()));
    }
    if (asked.empty()) continue;
    const std::vector<std::string_view> args(texts.begin(), texts.end());
    auto reply = connection_.Eval(lua::kDeadLetterFind, {shard.dead}, args);
    if (!reply.ok()) return reply.status().WithContext(context);
    if (reply->type != ValkeyReply::Type::kArray || reply->elements.size() != asked.size()) {
      return Status::Internal(context + ": " + connection_.description() + ": expected one reply per id");
    }
    for (std::size_t j = 0; j < asked.size(); ++j) {
      ValkeyReply& element = reply->elements[j];
      if (element.str.empty()) continue;
      found[asked[j]] = ReadDeadLetterRecord(std::move(element.str));
      found[asked[j]]->id = GlobalId(found[asked[j]]->id, index);
    }
  }
  return found;
}

Result<std::int64_t> ValkeyDeadLetterStore::Move(DeadLetterAction action, const std::vector<DeadLetterEntry>& entries,
                                                 bool& queue_full) {
  queue_full = false;
  std::int64_t moved = 0;
  for (std::size_t index = 0; index < shards_.size(); ++index) {
    std::vector<const DeadLetterEntry*> mine;
    for (const DeadLetterEntry& entry : entries) {
      if (entry.id % shards_.size() == index) mine.push_back(&entry);
    }
    if (mine.empty()) continue;
    bool full = false;
    Result<std::int64_t> count = MoveInShard(index, action, mine, full);
    if (!count.ok()) return count.status();
    moved += *count;
    queue_full = queue_full || full;
  }
  return moved;
}

Result<std::int64_t> ValkeyDeadLetterStore::MoveInShard(std::size_t index, DeadLetterAction action,
                                                        const std::vector<const DeadLetterEntry*>& entries,
                                                        bool& queue_full) {
  const ShardKeys& shard = shards_[index];
  const bool redrive = action == DeadLetterAction::kRedrive;
  const std::string context = "valkey dead letters '" + shard.dead + "': " + (redrive ? "redrive" : "discard");
  // A redriven event goes back to its own shard (its tenant's).
  const std::string max_depth = std::to_string(ShardMaxDepth(config_));
  std::vector<std::string_view> args{redrive ? "redrive" : "discard", max_depth};
  args.reserve(2 + 3 * entries.size());
  for (const DeadLetterEntry* entry : entries) {
    args.push_back(entry->record);
    args.push_back(entry->queue_text);
    args.push_back(DeadLetterReasonLabel(entry->reason));
  }
  auto reply = connection_.Eval(lua::kDeadLetterMove, {shard.dead, shard.queue, shard.counts}, args);
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray || reply->elements.size() != 2) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an array of 2");
  }
  queue_full = reply->elements[1].integer == 1;
  return reply->elements[0].integer;
}

}  // namespace flagmeter
