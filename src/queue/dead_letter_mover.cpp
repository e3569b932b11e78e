#include "flagmeter/queue/dead_letter_mover.hpp"

#include <algorithm>
#include <utility>

namespace flagmeter {
namespace {

Status MoveIds(DeadLetterStore& store, DeadLetterAction action, const std::vector<std::uint64_t>& ids,
               DeadLetterMoveReport& report) {
  auto found = store.Find(ids);
  if (!found.ok()) return found.status();
  std::vector<DeadLetterEntry> entries;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if ((*found)[i]) entries.push_back(std::move(*(*found)[i]));
    else report.not_found.push_back(ids[i]);
  }
  auto moved = store.Move(action, entries, report.queue_full);
  if (!moved.ok()) return moved.status();
  report.moved = *moved;
  return Status::Ok();
}

// Pages from the oldest record up to the newest one present at the start.
Status MoveOldest(DeadLetterStore& store, DeadLetterAction action, const DeadLetterSelection& selection,
                  std::size_t page_size, DeadLetterMoveReport& report) {
  std::int64_t wanted = selection.count.value_or(INT64_MAX);
  std::uint64_t after = 0;
  std::uint64_t newest = 0;
  for (bool first = true;; first = false) {
    auto page = store.List(after, page_size);
    if (!page.ok()) return page.status();
    if (first) newest = page->tail_id;
    const std::uint64_t page_start = after;
    std::vector<DeadLetterEntry> chosen;
    bool past_newest = false;
    for (DeadLetterEntry& entry : page->entries) {
      if (entry.id > newest) {
        past_newest = true;
        break;
      }
      after = std::max(after, entry.id);
      if (selection.reason && entry.reason != *selection.reason) continue;
      if (static_cast<std::int64_t>(chosen.size()) >= wanted) break;
      chosen.push_back(std::move(entry));
    }
    auto moved = store.Move(action, chosen, report.queue_full);
    if (!moved.ok()) return moved.status();
    report.moved += *moved;
    wanted -= static_cast<std::int64_t>(chosen.size());
    // No progress only happens with records that have no id: stop rather than loop.
    if (report.queue_full || wanted <= 0 || past_newest || !page->more || after == page_start) break;
  }
  return Status::Ok();
}

}  // namespace

Result<DeadLetterMoveReport> MoveDeadLetters(DeadLetterStore& store, DeadLetterAction action,
                                             const DeadLetterSelection& selection, std::size_t page_size) {
  const std::string context = action == DeadLetterAction::kRedrive ? "redrive dead letters" : "discard dead letters";
  // Numbers any record an earlier version wrote, so that every record has
  // an id to page by.
  if (auto counted = store.Count(); !counted.ok()) return counted.status().WithContext(context);
  DeadLetterMoveReport report;
  const Status done = selection.ids.empty() ? MoveOldest(store, action, selection, page_size, report)
                                            : MoveIds(store, action, selection.ids, report);
  if (!done.ok()) return done.WithContext(context + " (" + std::to_string(report.moved) + " moved before)");
  auto counted = store.Count();
  if (!counted.ok()) return counted.status().WithContext(context);
  report.remaining = counted->undecodable + counted->refused;
  return report;
}

}  // namespace flagmeter
