#include "flagmeter/services/pooled_dead_letter_service.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "flagmeter/services/pool_reply.hpp"

namespace flagmeter {

void PooledDeadLetterService::List(std::uint64_t after_id, std::size_t limit, ReplyCallback<DeadLetterPage> done) {
  auto work = [after_id, limit](DeadLetterStore& store) -> Result<DeadLetterPage> {
    // Numbers records of an earlier version first, so that every record has
    // an id to page by (one cheap read otherwise).
    if (auto counted = store.Count(); !counted.ok()) return counted.status();
    return store.List(after_id, limit);
  };
  PostForReply<DeadLetterPage>(pool_, std::move(work), std::move(done));
}

void PooledDeadLetterService::Move(DeadLetterAction action, DeadLetterSelection selection,
                                   ReplyCallback<DeadLetterMoveReport> done) {
  auto work = [action, selection = std::move(selection)](DeadLetterStore& store) {
    Result<DeadLetterMoveReport> report = MoveDeadLetters(store, action, selection);
    if (report.ok()) {
      spdlog::info("dead letters: {} through the admin API: {} (not found: {}, queue full: {}); {} remain",
                   action == DeadLetterAction::kRedrive ? "redriven" : "discarded", report->moved,
                   report->not_found.size(), report->queue_full, report->remaining);
    }
    return report;
  };
  PostForReply<DeadLetterMoveReport>(pool_, std::move(work), std::move(done));
}

}  // namespace flagmeter
