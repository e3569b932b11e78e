#include "flagmeter/queue/valkey_dead_letter_store.hpp"

#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

#include "queue/dead_letter_scripts.hpp"

namespace flagmeter {

ValkeyDeadLetterStore::ValkeyDeadLetterStore(QueueConfig config)
    : config_(std::move(config)),
      dead_key_(config_.name + ":dead"),
      counts_key_(dead_key_ + ":counts"),
      seq_key_(dead_key_ + ":seq"),
      connection_(config_.valkey, config_.connect_timeout_ms) {}

Result<DeadLetterCounts> ValkeyDeadLetterStore::Count() {
  const std::string context = "valkey dead letters '" + dead_key_ + "': count";
  auto reply = connection_.Eval(lua::kDeadLetterCount, {dead_key_, counts_key_, seq_key_}, {});
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray || reply->elements.size() != 3) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an array of 3");
  }
  DeadLetterCounts counts{reply->elements[0].integer, reply->elements[1].integer, reply->elements[2].integer};
  if (counts.renumbered > 0) {
    spdlog::info("{}: gave ids to the {} records, some of which were written by an earlier version", context,
                 counts.renumbered);
  }
  return counts;
}

Result<DeadLetterPage> ValkeyDeadLetterStore::List(std::uint64_t after_id, std::size_t limit) {
  const std::string context = "valkey dead letters '" + dead_key_ + "': list";
  const std::string after = std::to_string(after_id);
  const std::string count = std::to_string(limit);
  auto reply = connection_.Eval(lua::kDeadLetterPage, {dead_key_}, {after, count});
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray || reply->elements.size() < 3) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an array of at least 3");
  }
  DeadLetterPage page;
  page.total = reply->elements[0].integer;
  page.more = reply->elements[1].integer == 1;
  page.tail_id = static_cast<std::uint64_t>(reply->elements[2].integer);
  page.entries.reserve(reply->elements.size() - 3);
  for (std::size_t i = 3; i < reply->elements.size(); ++i) {
    page.entries.push_back(ReadDeadLetterRecord(std::move(reply->elements[i].str)));
  }
  return page;
}

Result<std::vector<std::optional<DeadLetterEntry>>> ValkeyDeadLetterStore::Find(
    const std::vector<std::uint64_t>& ids) {
  const std::string context = "valkey dead letters '" + dead_key_ + "': find";
  std::vector<std::string> texts;
  texts.reserve(ids.size());
  for (std::uint64_t id : ids) texts.push_back(std::to_string(id));
  const std::vector<std::string_view> args(texts.begin(), texts.end());
  auto reply = connection_.Eval(lua::kDeadLetterFind, {dead_key_}, args);
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray || reply->elements.size() != ids.size()) {
    return Status::Internal(context + ": " + connection_.description() + ": expected one reply per id");
  }
  std::vector<std::optional<DeadLetterEntry>> found;
  found.reserve(ids.size());
  for (ValkeyReply& element : reply->elements) {
    if (element.str.empty()) found.emplace_back(std::nullopt);
    else found.emplace_back(ReadDeadLetterRecord(std::move(element.str)));
  }
  return found;
}

Result<std::int64_t> ValkeyDeadLetterStore::Move(DeadLetterAction action, const std::vector<DeadLetterEntry>& entries,
                                                 bool& queue_full) {
  const bool redrive = action == DeadLetterAction::kRedrive;
  const std::string context = "valkey dead letters '" + dead_key_ + "': " + (redrive ? "redrive" : "discard");
  queue_full = false;
  if (entries.empty()) return std::int64_t{0};
  const std::string max_depth = std::to_string(config_.max_depth);
  std::vector<std::string_view> args{redrive ? "redrive" : "discard", max_depth};
  args.reserve(2 + 3 * entries.size());
  for (const DeadLetterEntry& entry : entries) {
    args.push_back(entry.record);
    args.push_back(entry.queue_text);
    args.push_back(DeadLetterReasonLabel(entry.reason));
  }
  auto reply = connection_.Eval(lua::kDeadLetterMove, {dead_key_, config_.name, counts_key_}, args);
  if (!reply.ok()) return reply.status().WithContext(context);
  if (reply->type != ValkeyReply::Type::kArray || reply->elements.size() != 2) {
    return Status::Internal(context + ": " + connection_.description() + ": expected an array of 2");
  }
  queue_full = reply->elements[1].integer == 1;
  return reply->elements[0].integer;
}

}  // namespace flagmeter
