#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/dead_letter_store.hpp"

namespace flagmeter {

/// Which dead letters a redrive or a discard takes: exactly one of `ids`,
/// `count` and `all`.
struct DeadLetterSelection {
  static constexpr std::size_t kMaxIds = 500;  // ids per request

  std::vector<std::uint64_t> ids;          // these records
  std::optional<std::int64_t> count;       // the oldest `count` records
  bool all = false;                        // every record in the list when the call starts
  std::optional<DeadLetterReason> reason;  // with count or all: only records of this reason
};

/// What a redrive or a discard did.
struct DeadLetterMoveReport {
  std::int64_t moved = 0;                 // records taken out of the list (and, on redrive, queued)
  std::vector<std::uint64_t> not_found;   // asked-for ids no record has (any more)
  bool queue_full = false;                // redrive stopped at MAX_QUEUE_DEPTH; the rest stayed
  std::int64_t remaining = 0;             // records left in the list
};

/// Redrives or discards the selected records, a page (`page_size`) per
/// atomic step, oldest first. Records set aside after the call started
/// (e.g. a redriven event refused again) are not taken: the call ends. Every
/// record moves at most once, whatever else runs at the same time; a failure
/// midway leaves the records not yet moved in the list. Blocking.
Result<DeadLetterMoveReport> MoveDeadLetters(DeadLetterStore& store, DeadLetterAction action,
                                             const DeadLetterSelection& selection, std::size_t page_size = 500);

}  // namespace flagmeter
