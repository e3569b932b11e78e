#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "flagmeter/store/event_store.hpp"

namespace flagmeter {

class PgConnection;

/// EventStore on PostgreSQL (schema: migrations/0001_init.sql). Each batch is
/// one transaction of at most four round trips (BEGIN, tenant creation when a
/// tenant is new to this store, one statement for events and rollups, COMMIT),
/// whatever the batch size. Serialization failures and deadlocks are retried
/// up to 3 times before Unavailable; a broken connection is dropped and
/// reopened by the next call.
/// Owned by one worker thread: it holds one connection that is not thread-safe.
class PgEventStore final : public EventStore {
 public:
  /// `database_url`: a libpq URI (postgres://...) or keyword/value string.
  /// Does not connect; the first CommitBatch does.
  explicit PgEventStore(std::string database_url);
  ~PgEventStore() override;

  PgEventStore(const PgEventStore&) = delete;
  PgEventStore& operator=(const PgEventStore&) = delete;

  /// See EventStore::CommitBatch. Blocking. InvalidArgument also when an
  /// event holds text that is not valid UTF-8. Internal when an event found no
  /// tenant row (nothing is committed then).
  Result<CommitOutcome> CommitBatch(const std::vector<Event>& events) override;

 private:
  Result<CommitOutcome> CommitOnce(std::size_t batch_size, const std::string& events_json,
                                   const std::string& new_tenants_json);
  std::string NewTenantsJson(const std::vector<Event>& events) const;
  void RememberTenants(const std::vector<Event>& events);

  std::unique_ptr<PgConnection> connection_;
  // Tenant names known to be committed, so most batches skip tenant creation.
  // Tenants are never deleted, so an entry never goes stale.
  std::unordered_set<std::string> known_tenants_;
};

}  // namespace flagmeter
