#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/queue/dead_letter_record.hpp"

namespace flagmeter {

/// Records in the dead-letter list per reason.
struct DeadLetterCounts {
  std::int64_t undecodable = 0;
  std::int64_t refused = 0;
  std::int64_t renumbered = 0;  // records this call gave ids to (written by an earlier version)
};

/// One page of the list, oldest first.
struct DeadLetterPage {
  std::vector<DeadLetterEntry> entries;
  std::int64_t total = 0;     // records in the list now
  bool more = false;          // records follow the last of `entries`
  std::uint64_t tail_id = 0;  // id of the newest record (0: none)
};

/// What to do with the chosen records: put them back on the queue, or drop them.
enum class DeadLetterAction { kRedrive, kDiscard };

/// The operations on the dead-letter list "<QUEUE_NAME>:dead" that the admin
/// API and the background monitor need (the worker's move into the list is
/// EventQueue::DeadLetter). Every change of the list is atomic in Valkey.
/// Blocking; owned by one thread.
class DeadLetterStore {
 public:
  virtual ~DeadLetterStore() = default;

  /// Records per reason: one cheap read, unless the per-reason counts
  /// disagree with the list (records of an earlier version): then the list
  /// is counted again, and records without ids are numbered.
  virtual Result<DeadLetterCounts> Count() = 0;

  /// Up to `limit` records whose ids follow `after_id` (0: from the oldest).
  virtual Result<DeadLetterPage> List(std::uint64_t after_id, std::size_t limit) = 0;

  /// The record of each id, in the order asked; none where no record has it.
  virtual Result<std::vector<std::optional<DeadLetterEntry>>> Find(const std::vector<std::uint64_t>& ids) = 0;

  /// Takes each of `entries` that is still in the list out of it and, for
  /// kRedrive, appends its queue entry to the queue, while the queue holds
  /// fewer than MAX_QUEUE_DEPTH events; all in one atomic step. Returns how
  /// many moved; `queue_full` tells whether the queue's bound stopped it.
  virtual Result<std::int64_t> Move(DeadLetterAction action, const std::vector<DeadLetterEntry>& entries,
                                    bool& queue_full) = 0;
};

}  // namespace flagmeter
