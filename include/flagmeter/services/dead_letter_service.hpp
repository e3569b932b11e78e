#pragma once

#include <cstddef>
#include <cstdint>

#include "flagmeter/queue/dead_letter_mover.hpp"
#include "flagmeter/queue/dead_letter_store.hpp"
#include "flagmeter/services/reply.hpp"

namespace flagmeter {

/// The operations of the admin API on the dead-letter list. Each calls
/// `done` exactly once: on the dead-letter thread, or inline when refused
/// (Overloaded beyond its queue, Unavailable while stopping). Never blocks
/// the caller. Thread-safe.
class DeadLetterService {
 public:
  virtual ~DeadLetterService() = default;

  /// Up to `limit` records with ids above `after_id`, oldest first.
  virtual void List(std::uint64_t after_id, std::size_t limit, ReplyCallback<DeadLetterPage> done) = 0;
  /// Redrives or discards the selected records (MoveDeadLetters).
  virtual void Move(DeadLetterAction action, DeadLetterSelection selection,
                    ReplyCallback<DeadLetterMoveReport> done) = 0;
};

}  // namespace flagmeter
