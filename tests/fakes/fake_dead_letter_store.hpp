#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "flagmeter/queue/dead_letter_store.hpp"

namespace flagmeter::fakes {

/// An in-memory dead-letter list with the semantics of the Valkey one: ids
/// ascend from oldest to newest, Move takes records still present (by id),
/// and a redrive appends their queue entries to `queue` while it holds fewer
/// than `max_queue_depth`. `on_move` runs after each Move (e.g. to set a
/// record aside meanwhile, as a worker would). Not thread-safe.
class FakeDeadLetterStore final : public DeadLetterStore {
 public:
  /// Appends a record with the next id.
  std::uint64_t Add(DeadLetterReason reason, const std::string& queue_text) {
    DeadLetterEntry entry;
    entry.id = ++last_id_;
    entry.reason = reason;
    entry.queue_text = queue_text;
    entry.record = "record " + std::to_string(entry.id);
    list_.push_back(entry);
    return entry.id;
  }

  Result<DeadLetterCounts> Count() override {
    ++count_calls;
    DeadLetterCounts counts;
    for (const DeadLetterEntry& entry : list_) {
      (entry.reason == DeadLetterReason::kRefused ? counts.refused : counts.undecodable) += 1;
    }
    return counts;
  }

  Result<DeadLetterPage> List(std::uint64_t after_id, std::size_t limit) override {
    DeadLetterPage page;
    page.total = static_cast<std::int64_t>(list_.size());
    page.tail_id = list_.empty() ? 0 : list_.back().id;
    auto it = std::find_if(list_.begin(), list_.end(), [&](const DeadLetterEntry& e) { return e.id > after_id; });
    for (; it != list_.end() && page.entries.size() < limit; ++it) page.entries.push_back(*it);
    page.more = it != list_.end();
    return page;
  }

  Result<std::vector<std::optional<DeadLetterEntry>>> Find(const std::vector<std::uint64_t>& ids) override {
    std::vector<std::optional<DeadLetterEntry>> found;
    for (std::uint64_t id : ids) {
      auto it = std::find_if(list_.begin(), list_.end(), [&](const DeadLetterEntry& e) { return e.id == id; });
      found.push_back(it == list_.end() ? std::nullopt : std::optional(*it));
    }
    return found;
  }

  Result<std::int64_t> Move(DeadLetterAction action, const std::vector<DeadLetterEntry>& entries,
                            bool& queue_full) override {
    ++move_calls;
    queue_full = false;
    std::int64_t moved = 0;
    for (const DeadLetterEntry& wanted : entries) {
      if (action == DeadLetterAction::kRedrive && queue.size() >= max_queue_depth) {
        queue_full = true;
        break;
      }
      auto it = std::find_if(list_.begin(), list_.end(), [&](const DeadLetterEntry& e) { return e.id == wanted.id; });
      if (it == list_.end()) continue;
      if (action == DeadLetterAction::kRedrive) queue.push_back(it->queue_text);
      list_.erase(it);
      ++moved;
    }
    if (on_move) on_move(*this);
    return moved;
  }

  std::size_t size() const { return list_.size(); }

  std::vector<std::string> queue;
  std::size_t max_queue_depth = SIZE_MAX;
  std::function<void(FakeDeadLetterStore&)> on_move;
  int count_calls = 0;
  int move_calls = 0;

 private:
  std::deque<DeadLetterEntry> list_;
  std::uint64_t last_id_ = 0;
};

}  // namespace flagmeter::fakes
