#pragma once

#include <cstddef>
#include <vector>

#include "flagmeter/core/event.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

struct CommitOutcome {
  std::size_t inserted = 0;    // events newly stored and added to the rollups
  std::size_t duplicates = 0;  // events whose (tenant, id) was already stored
  // Of the duplicates: copies numbered before the stored copy although they
  // arrived more than a minute after it. Acceptance numbers went backwards
  // (the queue's counter was reset behind the clock); the stored copy is kept.
  std::size_t sequence_regressions = 0;
  // Times the batch was rolled back and run again because an insert that
  // expected new ids met one stored already (PgEventStore): the cost of
  // re-sent ids, and each one an error line in PostgreSQL's log.
  std::size_t stored_id_reruns = 0;
};

/// Durable storage of events and their rollups. Blocking; owned by one worker
/// thread (each worker has its own connection).
class EventStore {
 public:
  virtual ~EventStore() = default;

  /// In ONE transaction: creates missing tenants, stores the events whose
  /// (tenant, id) is not stored yet (within the batch the first one wins),
  /// and adds exactly those into the per-minute and per-day rollups. So a
  /// replayed batch counts nothing twice.
  /// Unavailable: the database could not be reached; nothing was committed,
  /// retry the same batch. InvalidArgument: the database refused the data
  /// (a poison event). Internal: anything else.
  virtual Result<CommitOutcome> CommitBatch(const std::vector<Event>& events) = 0;
};

}  // namespace flagmeter
