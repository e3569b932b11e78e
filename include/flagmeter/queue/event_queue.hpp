#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/core/dead_letter_reason.hpp"

namespace flagmeter {

/// The oldest dead letters dropped to keep the dead-letter list within its
/// bound (DEAD_LETTER_MAX) when one more event was set aside.
struct DeadLetterDrops {
  std::int64_t undecodable = 0;
  std::int64_t refused = 0;
  std::string oldest;  // the oldest record dropped, for the log; empty when none
};

/// One consumer's handle on the queue: the reliable-queue protocol seen by a
/// worker. Claimed events stay in Valkey, in this consumer's processing list,
/// until Ack; a consumer whose lease runs out has its batch put back by the
/// reaper. Blocking; owned by one worker thread.
class EventQueue {
 public:
  virtual ~EventQueue() = default;

  /// Atomically moves up to `max_items` events from the head of the queue into
  /// this consumer's processing list and renews its lease. Empty when nothing
  /// waits. The previous batch must have been acknowledged first.
  virtual Result<std::vector<std::string>> Claim(std::size_t max_items) = 0;

  /// Drops the claimed batch. Call only once the store has committed it.
  virtual Status Ack() = 0;

  /// Renews the lease on the claimed batch, e.g. while the store is retried.
  virtual Status RenewLease() = 0;

  /// Puts an un-acknowledged batch back at the head of the queue, in order,
  /// for another consumer (graceful shutdown). No-op when nothing is claimed.
  virtual Status Release() = 0;

  /// Moves one claimed event to the dead-letter list, with its reason and
  /// `detail` (why, in words); returns what the list's bound dropped.
  virtual Result<DeadLetterDrops> DeadLetter(const std::string& encoded_event, DeadLetterReason reason,
                                             const std::string& detail) = 0;
};

}  // namespace flagmeter
