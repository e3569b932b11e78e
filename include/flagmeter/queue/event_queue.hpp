#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

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

  /// Moves one claimed event to the dead-letter list, with the reason.
  virtual Status DeadLetter(const std::string& encoded_event, const std::string& reason) = 0;
};

}  // namespace flagmeter
