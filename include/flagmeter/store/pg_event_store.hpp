#pragma once

#include <memory>
#include <string>
#include <vector>

#include "flagmeter/store/event_store.hpp"
#include "flagmeter/store/known_tenants.hpp"

namespace flagmeter {

class PgConnection;

/// EventStore on PostgreSQL (schema: migrations/0001_init.sql, raw events
/// partitioned by 0010). Each batch is one transaction of at most five round
/// trips (BEGIN, tenant creation when a tenant is new to this store, the
/// ledger lock and period, one statement for events and rollups, COMMIT),
/// whatever the batch size. Serialization failures and deadlocks are retried
/// up to 3 times before Unavailable; a broken connection is dropped and
/// reopened by the next call.
/// Owned by one worker thread: it holds one connection that is not thread-safe.
class PgEventStore final : public EventStore {
 public:
  static constexpr int kDefaultIdempotencyWindowDays = 62;

  /// `database_url`: a libpq URI (postgres://...) or keyword/value string.
  /// `known_tenants`: the process's cache of tenants known to exist (shared
  /// with the TenantDirectory, outlives the store); null: a cache of its own.
  /// `idempotency_window_days` (IDEMPOTENCY_WINDOW_DAYS): how far back, in
  /// ledger days, a copy of an event id is looked for.
  /// Does not connect; the first CommitBatch does.
  explicit PgEventStore(std::string database_url, KnownTenants* known_tenants = nullptr,
                        int idempotency_window_days = kDefaultIdempotencyWindowDays);
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

  // Tenant names known to exist, so most batches skip tenant creation.
  std::unique_ptr<KnownTenants> own_known_tenants_;  // when no cache is shared
  KnownTenants& known_tenants_;
  const int idempotency_window_days_;
  std::unique_ptr<PgConnection> connection_;
};

}  // namespace flagmeter
