#include "flagmeter/store/pg_event_store.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <pqxx/pqxx>

#include "flagmeter/core/event_json.hpp"
#include "flagmeter/core/json_text.hpp"
#include "store/pg_commit_sql.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"
#include "store/pg_tenant_sql.hpp"

namespace flagmeter {
namespace {

constexpr int kMaxRetries = 3;
// Attempts of a batch that lost a race with a concurrent one (Aborted).
constexpr int kMaxRaceRetries = 10;
// Bounds the memory of a store's own cache (when it shares none);
// forgetting names only costs one redundant (idempotent) tenant insert per
// batch until they are relearnt.
constexpr std::size_t kMaxKnownTenants = 100'000;

// The one-statement commit runs on generic plans: planning it takes 1.6-2 ms,
// as much PostgreSQL CPU as committing a hundred events. A plan is made again
// (DISCARD PLANS) when the periods the window reaches move, since a partition
// planned for as the current one, maybe empty then, is probed as an older one
// afterwards; and every this many batches, so plans follow the tables' sizes
// (a plan made while a table was empty scans all of it once it has grown).
constexpr int kBatchesPerPlan = 64;

// The per-tenant commit is for Citus, which sends a statement to the one shard
// of its tenant when the plan knows the tenant: planned for each batch.
const char* PlanCacheMode(CommitStatements statements) {
  return statements == CommitStatements::kOnePerBatch ? "force_generic_plan" : "force_custom_plan";
}

// The commit statement is CommitEventsSql (store/pg_commit_sql.cpp). Before
// it, this takes the ledger lock shared (until the transaction ends) and
// reads the period to commit under and the first one the window reaches:
// migrations/0010_partitioned_events.sql.
constexpr char kLockLedgerSql[] = "SELECT period, window_from FROM fm_lock_ledger($1)";

// [{"i":id,"t":tenant,"f":feature,"n":tokens,"o":occurred ms,"r":received ms,"s":accept seq}, ...]:
// the queue's wire format plus the acceptance number, written directly.
std::string EventsToJson(const std::vector<Event>& events) {
  std::string out = "[";
  out.reserve(events.size() * 160);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i != 0) out += ',';
    AppendEventJson(events[i], /*with_accept_seq=*/true, out);
  }
  out += ']';
  return out;
}

// The batch's tenant names, each once, sorted.
std::vector<std::string> TenantNames(const std::vector<Event>& events) {
  std::set<std::string> names;
  for (const Event& event : events) names.insert(event.tenant);
  return {names.begin(), names.end()};
}

// ["name",...]: the tenant statements' parameter.
std::string JsonStringArray(const std::vector<std::string>& names) {
  std::string out = "[";
  for (const std::string& name : names) {
    if (out.size() > 1) out += ',';
    AppendJsonString(name, out);
  }
  out += ']';
  return out;
}

// A tenant's events in the batch's order (which breaks ties between copies
// with the same acceptance number), as EventsToJson writes them.
std::map<std::string, std::string> EventsToJsonByTenant(const std::vector<Event>& events) {
  std::map<std::string, std::string> by_tenant;
  for (const Event& event : events) {
    std::string& out = by_tenant[event.tenant];
    out += out.empty() ? '[' : ',';
    AppendEventJson(event, /*with_accept_seq=*/true, out);
  }
  for (auto& [tenant, out] : by_tenant) out += ']';
  return by_tenant;
}

// The commit statement's counts, summed over its runs in one transaction.
struct CommitCounts {
  std::size_t matched = 0;
  std::size_t inserted = 0;
  std::size_t unresolved = 0;
  std::size_t regressions = 0;

  void Add(const pqxx::row& row) {
    matched += row[0].as<std::size_t>();
    inserted += row[1].as<std::size_t>();
    unresolved += row[2].as<std::size_t>();
    regressions += row[3].as<std::size_t>();
  }
};

// The commit statement's prepared name for each scope and insert.
const char* CommitStatementName(CommitStatements scope, LedgerInsert insert) {
  if (scope == CommitStatements::kOnePerTenant) {
    return insert == LedgerInsert::kExpectNew ? "fm_commit_new_tenant_events" : "fm_commit_tenant_events";
  }
  return insert == LedgerInsert::kExpectNew ? "fm_commit_new_events" : "fm_commit_events";
}

std::vector<PreparedStatement> Statements(CommitStatements scope) {
  std::vector<PreparedStatement> statements = {{"fm_insert_tenants", kAdmitTenantsSql},
                                               {"fm_lock_ledger", kLockLedgerSql}};
  if (scope == CommitStatements::kOnePerTenant) statements.push_back({"fm_tenant_ids", kTenantIdsSql});
  for (const LedgerInsert insert : {LedgerInsert::kExpectNew, LedgerInsert::kSkipStored}) {
    statements.push_back({CommitStatementName(scope, insert), CommitEventsSql(scope, insert)});
  }
  return statements;
}

}  // namespace

PgEventStore::PgEventStore(std::string database_url, KnownTenants* known_tenants, int idempotency_window_days,
                           CommitStatements statements)
    : own_known_tenants_(known_tenants == nullptr ? std::make_unique<KnownTenants>(kMaxKnownTenants) : nullptr),
      known_tenants_(known_tenants == nullptr ? *own_known_tenants_ : *known_tenants),
      idempotency_window_days_(idempotency_window_days),
      statements_(statements),
      connection_(std::make_unique<PgConnection>(
          std::move(database_url), Statements(statements),
          // PostgreSQL's own choice (auto) keeps making custom plans for
          // the commit statement, each batch paying for its planning.
          std::vector<std::pair<std::string, std::string>>{{"plan_cache_mode", PlanCacheMode(statements)}})) {}

PgEventStore::~PgEventStore() = default;

Result<CommitOutcome> PgEventStore::CommitBatch(const std::vector<Event>& events) {
  if (events.empty()) return CommitOutcome{};
  const std::string operation =
      "store: commit batch of " + std::to_string(events.size()) + " events";
  // Invalid UTF-8 (never produced by the ingest parser) would make the
  // statement fail with a data error, which sends the batch down the
  // bisection path and the event to the dead letters.
  const BatchParameters batch = Parameters(events);

  // Rerunning is safe: a failed attempt rolled back, and one whose COMMIT
  // outcome was unknown is deduplicated by the events' primary key.
  const std::uint64_t reruns_before = stored_id_reruns_;
  Result<CommitOutcome> outcome = Status::Internal("not run");
  for (int race = 0; race <= kMaxRaceRetries; ++race) {
    outcome = RunWithRetries<CommitOutcome>(*connection_, operation, kMaxRetries, [&] {
      Result<CommitOutcome> once = CommitOnce(batch);
      if (!once.ok()) return Result<CommitOutcome>(once.status().WithContext(operation));
      return once;
    });
    if (outcome.ok() || outcome.status().code() != Status::Code::kAborted) break;
  }
  if (!outcome.ok()) return outcome;
  known_tenants_.Add(batch.tenants);
  outcome->stored_id_reruns = static_cast<std::size_t>(stored_id_reruns_ - reruns_before);
  return outcome;
}

PgEventStore::BatchParameters PgEventStore::Parameters(const std::vector<Event>& events) const {
  BatchParameters batch;
  batch.size = events.size();
  batch.tenants = TenantNames(events);
  batch.new_tenants_json = NewTenantsJson(batch.tenants);
  if (statements_ == CommitStatements::kOnePerBatch) {
    batch.events_json = EventsToJson(events);
  } else {
    batch.tenant_events = EventsToJsonByTenant(events);
    batch.tenant_names_json = JsonStringArray(batch.tenants);
  }
  return batch;
}

Result<CommitOutcome> PgEventStore::CommitOnce(const BatchParameters& batch) {
  // Almost every batch holds only new ids: the plain INSERT saves the
  // speculative insertion per event. A stored id fails it, and the batch
  // runs again skipping stored ids, as do the next batches for a while
  // (whoever re-sent one id may re-send more).
  const LedgerInsert insert = skip_stored_batches_left_ > 0 ? LedgerInsert::kSkipStored : LedgerInsert::kExpectNew;
  const char* const statement = CommitStatementName(statements_, insert);
  pqxx::work tx(connection_->Get(), "commit_batch");
  // Unbounded (null): these events were accepted already.
  if (!batch.new_tenants_json.empty()) tx.exec_prepared("fm_insert_tenants", batch.new_tenants_json, true, nullptr);
  // Its own statement, before the commit's: see CommitEventsSql.
  const pqxx::row ledger = tx.exec_prepared1("fm_lock_ledger", idempotency_window_days_);
  if (statements_ == CommitStatements::kOnePerBatch) {
    if (PlansStale(std::string(ledger[0].c_str()) + ' ' + ledger[1].c_str())) tx.exec0("DISCARD PLANS");
    // The form that resolves stored copies is planned for its batch, as it
    // always was: it runs after a stored id, rarely, and races concurrent
    // commits of the same ids, where a generic plan was seen to keep finding
    // the concurrent copy unresolved on every retry.
    if (insert == LedgerInsert::kSkipStored) tx.exec0("SET LOCAL plan_cache_mode = force_custom_plan");
  }
  CommitCounts counts;
  try {
    if (statements_ == CommitStatements::kOnePerBatch) {
      ++commit_statements_run_;
      counts.Add(tx.exec_prepared1(statement, batch.events_json, ledger[0].c_str(), ledger[1].c_str()));
    } else {
      // Tenants in the order of their ids; one whose row is missing matches
      // none of its events, as in the single statement.
      for (const pqxx::row& tenant : tx.exec_prepared("fm_tenant_ids", batch.tenant_names_json)) {
        const auto events = batch.tenant_events.find(tenant[0].as<std::string>());
        if (events == batch.tenant_events.end()) continue;
        ++commit_statements_run_;
        counts.Add(tx.exec_prepared1(statement, events->second, ledger[0].c_str(), ledger[1].c_str(),
                                     tenant[1].c_str()));
        if (counts.unresolved > 0) break;  // the whole batch runs again
      }
    }
  } catch (const pqxx::unique_violation&) {
    // Only the events' INSERT lacks an ON CONFLICT, and only in this form:
    // an id of the batch is stored in the current partition.
    if (insert != LedgerInsert::kExpectNew) throw;
    return RunAgainSkippingStoredIds();
  }
  if (counts.unresolved > 0) {
    tx.abort();
    // An id of the batch is stored in an older partition or the
    // unpartitioned ledger, which only the other form resolves.
    if (insert == LedgerInsert::kExpectNew) return RunAgainSkippingStoredIds();
    // A concurrent batch committed one of our ids after our snapshot: run
    // again, so the comparison of acceptance order sees it.
    return Status::Aborted("a concurrent batch stored one of these ids first");
  }
  if (counts.matched != batch.size) {
    tx.abort();
    // Only a tenant row deleted behind our back gets here; forget what we
    // knew so the next attempt creates the tenants again.
    known_tenants_.Clear();
    return Status::Internal(std::to_string(batch.size - counts.matched) +
                            " events matched no tenant row; nothing was committed");
  }
  tx.commit();
  if (insert == LedgerInsert::kSkipStored) --skip_stored_batches_left_;
  return CommitOutcome{counts.inserted, batch.size - counts.inserted, counts.regressions};
}

bool PgEventStore::PlansStale(std::string periods) {
  if (periods == planned_periods_ && batches_on_plans_ < kBatchesPerPlan) {
    ++batches_on_plans_;
    return false;
  }
  planned_periods_ = std::move(periods);
  batches_on_plans_ = 1;
  ++plans_discarded_;
  return true;
}

Status PgEventStore::RunAgainSkippingStoredIds() {
  ++stored_id_reruns_;
  skip_stored_batches_left_ = kSkipStoredBatchesAfterStoredId;
  return Status::Aborted("an id of the batch is stored already; running it again, skipping stored ids");
}

// "" when every one of `names` is known to exist.
std::string PgEventStore::NewTenantsJson(const std::vector<std::string>& names) const {
  const std::vector<std::string> unknown = known_tenants_.Unknown(names);
  return unknown.empty() ? "" : JsonStringArray(unknown);
}

}  // namespace flagmeter
