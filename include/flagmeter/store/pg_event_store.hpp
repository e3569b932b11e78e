#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "flagmeter/store/event_store.hpp"
#include "flagmeter/store/known_tenants.hpp"

namespace flagmeter {

class PgConnection;

/// How a batch's events and rollups are written (COMMIT_PER_TENANT).
enum class CommitStatements {
  kOnePerBatch,   // one statement for the whole batch, whatever its tenants
  kOnePerTenant,  // one per tenant of the batch, each fixed to its tenant_id by a
                  // parameter: what Citus can route to one shard (docs/scaling.md)
};

/// EventStore on PostgreSQL (schema: migrations/0001_init.sql, raw events
/// partitioned by 0010). Each batch is one transaction of at most five round
/// trips (BEGIN, tenant creation when a tenant is new to this store, the
/// ledger lock and period, one statement for events and rollups, COMMIT),
/// whatever the batch size. With CommitStatements::kOnePerTenant the
/// statement for events and rollups runs once per tenant of the batch, after
/// one look-up of the tenants' ids, in the same transaction: the outcome is
/// the same, and if any tenant's statement meets a concurrent commit the
/// whole batch is rolled back and run again. Events go into the ledger with
/// a plain INSERT; a batch holding an id stored already fails that and runs
/// again in a second transaction whose INSERT skips stored ids (the form the
/// next kSkipStoredBatchesAfterStoredId batches use too). Serialization failures and
/// deadlocks are retried up to 3 times before Unavailable; a broken
/// connection is dropped and reopened by the next call.
/// Owned by one worker thread: it holds one connection that is not thread-safe.
class PgEventStore final : public EventStore {
 public:
  static constexpr int kDefaultIdempotencyWindowDays = 62;
  /// Batches committed with the insert that skips stored ids after one met
  /// an id stored already (the plain insert, faster, fails then); then the
  /// plain insert is tried again. Bounds what a client re-sending ids in
  /// every batch costs: one failed statement per this many batches.
  static constexpr int kSkipStoredBatchesAfterStoredId = 100;

  /// `database_url`: a libpq URI (postgres://...) or keyword/value string.
  /// `known_tenants`: the process's cache of tenants known to exist (shared
  /// with the TenantDirectory, outlives the store); null: a cache of its own.
  /// `idempotency_window_days` (IDEMPOTENCY_WINDOW_DAYS): how far back, in
  /// ledger days, a copy of an event id is looked for.
  /// `statements` (COMMIT_PER_TENANT): one commit statement per batch or per tenant.
  /// Does not connect; the first CommitBatch does.
  explicit PgEventStore(std::string database_url, KnownTenants* known_tenants = nullptr,
                        int idempotency_window_days = kDefaultIdempotencyWindowDays,
                        CommitStatements statements = CommitStatements::kOnePerBatch);
  ~PgEventStore() override;

  PgEventStore(const PgEventStore&) = delete;
  PgEventStore& operator=(const PgEventStore&) = delete;

  /// See EventStore::CommitBatch. Blocking. InvalidArgument also when an
  /// event holds text that is not valid UTF-8. Internal when an event found no
  /// tenant row (nothing is committed then).
  Result<CommitOutcome> CommitBatch(const std::vector<Event>& events) override;

  /// Statements that wrote events and rollups since construction, rolled-back
  /// attempts included: one per batch, or one per tenant of each batch.
  std::uint64_t commit_statements_run() const { return commit_statements_run_; }

  /// Batches whose plain insert met an id stored already (in any partition
  /// the window reaches), and ran again skipping stored ids, since construction.
  std::uint64_t stored_id_reruns() const { return stored_id_reruns_; }

  /// Times the one-statement commit's generic plans were discarded to be made
  /// again (periods moved, or kBatchesPerPlan batches ran on them), since
  /// construction. Always 0 with CommitStatements::kOnePerTenant, which plans
  /// every statement (Citus routes it by the tenant its plan knows).
  std::uint64_t plans_discarded() const { return plans_discarded_; }

 private:
  // A batch as the statements take it, built once for all its attempts.
  struct BatchParameters {
    std::size_t size = 0;
    std::vector<std::string> tenants;  // its tenant names, each once, sorted
    std::string new_tenants_json;  // "" when every tenant is known to exist
    std::string events_json;       // kOnePerBatch: every event
    std::string tenant_names_json;                     // kOnePerTenant: the batch's tenants
    std::map<std::string, std::string> tenant_events;  // kOnePerTenant: name -> its events as JSON
  };

  BatchParameters Parameters(const std::vector<Event>& events) const;
  Result<CommitOutcome> CommitOnce(const BatchParameters& batch);
  // After the plain insert met a stored id: this batch and the next ones
  // skip stored ids. Aborted, so the caller runs the batch again.
  Status RunAgainSkippingStoredIds();
  std::string NewTenantsJson(const std::vector<std::string>& names) const;
  // The one-statement commit runs on generic plans, made again after DISCARD
  // PLANS. Whether to send it before this batch (which is counted on the
  // plans either way): when the periods the window reaches (`periods`, from
  // fm_lock_ledger) differ from those of the last discard, and every
  // kBatchesPerPlan batches.
  bool PlansStale(std::string periods);

  // Tenant names known to exist, so most batches skip tenant creation.
  std::unique_ptr<KnownTenants> own_known_tenants_;  // when no cache is shared
  KnownTenants& known_tenants_;
  const int idempotency_window_days_;
  const CommitStatements statements_;
  std::unique_ptr<PgConnection> connection_;
  std::uint64_t commit_statements_run_ = 0;
  std::uint64_t stored_id_reruns_ = 0;
  int skip_stored_batches_left_ = 0;  // > 0: commit with LedgerInsert::kSkipStored
  std::string planned_periods_;       // fm_lock_ledger's row when the plans were discarded last
  int batches_on_plans_ = 0;          // batches committed since then
  std::uint64_t plans_discarded_ = 0;
};

}  // namespace flagmeter
