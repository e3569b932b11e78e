#include "flagmeter/store/pg_event_store.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

#include <pqxx/pqxx>

#include "flagmeter/core/event_json.hpp"
#include "flagmeter/core/event_wire.hpp"
#include "flagmeter/core/json_text.hpp"
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

// The whole batch is one JSON parameter and one statement, after
// fm_lock_ledger has taken the ledger lock shared and named the period to
// commit under ($2, the current partition's first day) and the first period
// the idempotency window reaches ($3). Per (tenant, id) the copy accepted
// first (lowest acceptance number "s") is the one counted:
//  - within the batch, later copies are dropped;
//  - ids are looked up in the older partitions the window reaches and in the
//    unpartitioned ledger not yet moved; the INSERT adds the others to the
//    current partition, where the key (tenant, id, period) is unique, and
//    only the ids it could not add are looked up there (usually none, so the
//    common path costs one probe per older partition in reach);
//  - a stored copy accepted later than ours (it reached the database first
//    through another worker) is replaced in place, and the rollups move from
//    its values to ours;
//  - a stored copy accepted earlier wins, and ours counts nothing.
// No commit of an earlier period runs concurrently (the ledger lock), so a
// copy in an older partition is always in this statement's snapshot; within
// the current partition the unique key catches concurrent copies.
// A replacement happens only if the stored row is still the version this
// statement's snapshot saw (same accept_seq, rechecked under the row lock),
// so the values moved out of the rollups are the ones that were counted.
// Acceptance numbers only grow (the queue's counter follows Valkey's clock),
// and the store checks that they agree with the arrival times: a copy with
// the lower number that arrived more than a minute (clock skew allowance) after the
// stored one means the numbering went backwards, and the stored copy is kept
// (and reported as a regression) instead of being replaced.
// Whatever a concurrent transaction changed after the snapshot - a copy it
// inserted, a row it replaced or moved out of the unpartitioned ledger -
// shows up as "unresolved": the caller rolls back and runs the batch again,
// with a snapshot that sees it. Only rows the statement really added or
// replaced (RETURNING) reach the rollups, so a replayed batch adds nothing;
// they are summed per minute once, and the hour and day rollups are summed
// from those few minute rows. Every write is sorted by key so concurrent
// workers take row locks in the same order and do not deadlock. Buckets are
// UTC whatever the session zone.
constexpr char kCommitEventsSql[] = R"sql(
WITH input AS (
  SELECT x.i, x.t, x.f, x.n, x.o, x.r, coalesce(x.s, 0) AS s, x.ord
  FROM ROWS FROM (json_to_recordset($1::json)
                  AS (i text, t text, f text, n bigint, o bigint, r bigint, s bigint))
       WITH ORDINALITY AS x (i, t, f, n, o, r, s, ord)
), joined AS (
  SELECT tn.id AS tenant_id, x.i, x.f, x.n, x.o, x.r, x.s, x.ord
  FROM input x JOIN tenants tn ON tn.name = x.t
), first_seen AS (
  SELECT DISTINCT ON (tenant_id, i) * FROM joined ORDER BY tenant_id, i, s, ord
), older AS (
  SELECT e.tenant_id, e.event_id, e.feature, e.tokens, e.occurred_at, e.received_at, e.accept_seq,
         e.ledger_period, false AS unpartitioned
  FROM events e JOIN first_seen f ON e.tenant_id = f.tenant_id AND e.event_id = f.i
  WHERE e.ledger_period >= $3::date AND e.ledger_period < $2::date
  UNION ALL
  SELECT u.tenant_id, u.event_id, u.feature, u.tokens, u.occurred_at, u.received_at, u.accept_seq,
         NULL::date, true
  FROM events_unpartitioned u JOIN first_seen f ON u.tenant_id = f.tenant_id AND u.event_id = f.i
), inserted AS (
  INSERT INTO events (tenant_id, event_id, feature, tokens, occurred_at, received_at, accept_seq, ledger_period)
  SELECT f.tenant_id, f.i, f.f, f.n,
         timestamptz 'epoch' + f.o * interval '1 millisecond',
         timestamptz 'epoch' + f.r * interval '1 millisecond', f.s, $2::date
  FROM first_seen f
  WHERE NOT EXISTS (SELECT 1 FROM older o WHERE o.tenant_id = f.tenant_id AND o.event_id = f.i)
  ORDER BY f.tenant_id, f.i
  ON CONFLICT (tenant_id, event_id, ledger_period) DO NOTHING
  RETURNING tenant_id, event_id, feature, tokens, occurred_at
), found AS (
  SELECT * FROM older
  UNION ALL
  SELECT e.tenant_id, e.event_id, e.feature, e.tokens, e.occurred_at, e.received_at, e.accept_seq,
         e.ledger_period, false
  FROM events e JOIN first_seen f ON e.tenant_id = f.tenant_id AND e.event_id = f.i
  WHERE e.ledger_period = $2::date
    AND NOT EXISTS (SELECT 1 FROM older o WHERE o.tenant_id = f.tenant_id AND o.event_id = f.i)
    AND NOT EXISTS (SELECT 1 FROM inserted n WHERE n.tenant_id = f.tenant_id AND n.event_id = f.i)
), stored AS (
  SELECT d.*,
         -- Ours was accepted earlier by number: is that consistent with when each arrived?
         f.s > 0 AND d.accept_seq > f.s AS earlier_by_number,
         timestamptz 'epoch' + f.r * interval '1 millisecond' > d.received_at + interval '60 seconds' AS arrived_later
  FROM found d JOIN first_seen f ON d.tenant_id = f.tenant_id AND d.event_id = f.i
), replaced AS (
  UPDATE events e
  SET feature = f.f, tokens = f.n,
      occurred_at = timestamptz 'epoch' + f.o * interval '1 millisecond',
      received_at = timestamptz 'epoch' + f.r * interval '1 millisecond',
      accept_seq = f.s
  FROM first_seen f JOIN stored st ON st.tenant_id = f.tenant_id AND st.event_id = f.i
  WHERE e.tenant_id = f.tenant_id AND e.event_id = f.i AND e.ledger_period = st.ledger_period
    AND e.ledger_period >= $3::date AND NOT st.unpartitioned
    AND st.earlier_by_number AND NOT st.arrived_later AND e.accept_seq = st.accept_seq
  RETURNING e.tenant_id, e.event_id, e.feature, e.tokens, e.occurred_at,
            st.feature AS old_feature, st.tokens AS old_tokens, st.occurred_at AS old_occurred_at
), replaced_unpartitioned AS (
  UPDATE events_unpartitioned e
  SET feature = f.f, tokens = f.n,
      occurred_at = timestamptz 'epoch' + f.o * interval '1 millisecond',
      received_at = timestamptz 'epoch' + f.r * interval '1 millisecond',
      accept_seq = f.s
  FROM first_seen f JOIN stored st ON st.tenant_id = f.tenant_id AND st.event_id = f.i
  WHERE e.tenant_id = f.tenant_id AND e.event_id = f.i AND st.unpartitioned
    AND st.earlier_by_number AND NOT st.arrived_later AND e.accept_seq = st.accept_seq
  RETURNING e.tenant_id, e.event_id, e.feature, e.tokens, e.occurred_at,
            st.feature AS old_feature, st.tokens AS old_tokens, st.occurred_at AS old_occurred_at
), all_replaced AS (
  SELECT * FROM replaced UNION ALL SELECT * FROM replaced_unpartitioned
), deltas AS (
  SELECT tenant_id, feature, occurred_at, tokens, 1 AS events FROM inserted
  UNION ALL SELECT tenant_id, feature, occurred_at, tokens, 1 FROM all_replaced
  UNION ALL SELECT tenant_id, old_feature, old_occurred_at, -old_tokens, -1 FROM all_replaced
), minute_deltas AS (
  SELECT tenant_id, feature, date_trunc('minute', occurred_at, 'UTC') AS minute,
         sum(tokens) AS tokens, sum(events) AS events
  FROM deltas GROUP BY 1, 2, 3
), minute_rollup AS (
  INSERT INTO usage_minute AS u (tenant_id, feature, minute, tokens, events)
  SELECT tenant_id, feature, minute, tokens, events FROM minute_deltas ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, feature, minute)
  DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, events = u.events + EXCLUDED.events
), hour_rollup AS (
  INSERT INTO usage_hour AS u (tenant_id, feature, hour, tokens, events)
  SELECT tenant_id, feature, date_trunc('hour', minute, 'UTC'), sum(tokens), sum(events)
  FROM minute_deltas GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, feature, hour)
  DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, events = u.events + EXCLUDED.events
), day_rollup AS (
  INSERT INTO usage_day AS u (tenant_id, feature, day, tokens, events)
  SELECT tenant_id, feature, date_trunc('day', minute, 'UTC'), sum(tokens), sum(events)
  FROM minute_deltas GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, feature, day)
  DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, events = u.events + EXCLUDED.events
)
SELECT (SELECT count(*) FROM joined) AS matched,
       (SELECT count(*) FROM inserted) AS inserted,
       (SELECT count(*) FROM first_seen f
        WHERE NOT EXISTS (SELECT 1 FROM stored st WHERE st.tenant_id = f.tenant_id AND st.event_id = f.i)
          AND NOT EXISTS (SELECT 1 FROM inserted n WHERE n.tenant_id = f.tenant_id AND n.event_id = f.i))
       + (SELECT count(*) FROM stored st
          WHERE st.earlier_by_number AND NOT st.arrived_later
            AND NOT EXISTS (SELECT 1 FROM all_replaced p WHERE p.tenant_id = st.tenant_id AND p.event_id = st.event_id))
         AS unresolved,
       (SELECT count(*) FROM stored st WHERE st.earlier_by_number AND st.arrived_later) AS regressions
)sql";
// Takes the ledger lock shared (until the transaction ends) and reads the
// period to commit under and the first one the window reaches:
// migrations/0010_partitioned_events.sql.
constexpr char kLockLedgerSql[] = "SELECT period, window_from FROM fm_lock_ledger($1)";

// The batch parameter is read with the event's wire format and its owner's column list.
static_assert(std::string_view(kCommitEventsSql).find(event_wire::kSqlColumns) != std::string_view::npos,
              "the commit SQL must read the batch as event_wire::kSqlColumns");

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

}  // namespace

PgEventStore::PgEventStore(std::string database_url, KnownTenants* known_tenants, int idempotency_window_days)
    : own_known_tenants_(known_tenants == nullptr ? std::make_unique<KnownTenants>(kMaxKnownTenants) : nullptr),
      known_tenants_(known_tenants == nullptr ? *own_known_tenants_ : *known_tenants),
      idempotency_window_days_(idempotency_window_days),
      connection_(std::make_unique<PgConnection>(
          std::move(database_url),
          std::vector<PreparedStatement>{{"fm_insert_tenants", kAdmitTenantsSql},
                                         {"fm_lock_ledger", kLockLedgerSql},
                                         {"fm_commit_events", kCommitEventsSql}},
          // Plan every batch with the tables as they are now: a plan cached
          // while `events` was still empty scans the whole table per batch
          // once it has grown.
          std::vector<std::pair<std::string, std::string>>{{"plan_cache_mode", "force_custom_plan"}})) {}

PgEventStore::~PgEventStore() = default;

Result<CommitOutcome> PgEventStore::CommitBatch(const std::vector<Event>& events) {
  if (events.empty()) return CommitOutcome{};
  const std::string operation =
      "store: commit batch of " + std::to_string(events.size()) + " events";
  // Invalid UTF-8 (never produced by the ingest parser) would make the
  // statement fail with a data error, which sends the batch down the
  // bisection path and the event to the dead letters.
  const std::string events_json = EventsToJson(events);
  const std::string new_tenants_json = NewTenantsJson(events);

  // Rerunning is safe: a failed attempt rolled back, and one whose COMMIT
  // outcome was unknown is deduplicated by the events' primary key.
  Result<CommitOutcome> outcome = Status::Internal("not run");
  for (int race = 0; race <= kMaxRaceRetries; ++race) {
    outcome = RunWithRetries<CommitOutcome>(*connection_, operation, kMaxRetries, [&] {
      Result<CommitOutcome> once = CommitOnce(events.size(), events_json, new_tenants_json);
      if (!once.ok()) return Result<CommitOutcome>(once.status().WithContext(operation));
      return once;
    });
    if (outcome.ok() || outcome.status().code() != Status::Code::kAborted) break;
  }
  if (!outcome.ok()) return outcome;
  RememberTenants(events);
  return outcome;
}

Result<CommitOutcome> PgEventStore::CommitOnce(std::size_t batch_size,
                                               const std::string& events_json,
                                               const std::string& new_tenants_json) {
  pqxx::work tx(connection_->Get(), "commit_batch");
  // Unbounded (null): these events were accepted already.
  if (!new_tenants_json.empty()) tx.exec_prepared("fm_insert_tenants", new_tenants_json, true, nullptr);
  // Its own statement, before the commit's: see kCommitEventsSql.
  const pqxx::row ledger = tx.exec_prepared1("fm_lock_ledger", idempotency_window_days_);
  const pqxx::row counts =
      tx.exec_prepared1("fm_commit_events", events_json, ledger[0].c_str(), ledger[1].c_str());
  const auto matched = counts[0].as<std::size_t>();
  const auto inserted = counts[1].as<std::size_t>();
  if (counts[2].as<std::size_t>() > 0) {
    // A concurrent batch committed one of our ids after our snapshot: run
    // again, so the comparison of acceptance order sees it.
    tx.abort();
    return Status::Aborted("a concurrent batch stored one of these ids first");
  }
  if (matched != batch_size) {
    tx.abort();
    // Only a tenant row deleted behind our back gets here; forget what we
    // knew so the next attempt creates the tenants again.
    known_tenants_.Clear();
    return Status::Internal(std::to_string(batch_size - matched) +
                            " events matched no tenant row; nothing was committed");
  }
  tx.commit();
  return CommitOutcome{inserted, batch_size - inserted, counts[3].as<std::size_t>()};
}

namespace {

// The batch's tenant names, each once, sorted.
std::vector<std::string> TenantNames(const std::vector<Event>& events) {
  std::set<std::string> names;
  for (const Event& event : events) names.insert(event.tenant);
  return {names.begin(), names.end()};
}

}  // namespace

// "" when every tenant of the batch is known to exist.
std::string PgEventStore::NewTenantsJson(const std::vector<Event>& events) const {
  const std::vector<std::string> unknown = known_tenants_.Unknown(TenantNames(events));
  if (unknown.empty()) return "";
  std::string out = "[";
  for (const std::string& name : unknown) {
    if (out.size() > 1) out += ',';
    AppendJsonString(name, out);
  }
  out += ']';
  return out;
}

void PgEventStore::RememberTenants(const std::vector<Event>& events) { known_tenants_.Add(TenantNames(events)); }

}  // namespace flagmeter
