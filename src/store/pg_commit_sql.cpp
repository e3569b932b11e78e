#include "store/pg_commit_sql.hpp"

#include <stdexcept>
#include <string_view>

#include "flagmeter/core/event_wire.hpp"

namespace flagmeter {
namespace {

// The whole batch (with COMMIT_PER_TENANT, one tenant's part of it) is one
// JSON parameter and one statement, after fm_lock_ledger has taken the ledger
// lock shared and named the period to commit under ($2, the current
// partition's first day) and the first period
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
// `{{AND x.tenant_id}}` and `{{WHERE x.tenant_id}}` mark every reference to a
// table distributed by tenant_id (and the tenants join, so a group's events
// match only its tenant): nothing in the batch statement, which is this text
// without them, and ` AND x.tenant_id = $4::uuid` (or WHERE) in the per-tenant one.
// This is the LedgerInsert::kSkipStored form. The kExpectNew form
// (kInsertNewCopies below) shares its start, the head of its INSERT and its
// rollups, and commits only batches whose ids are all new.

// The batch's rows and the copies stored before the current partition: the
// start of both forms.
constexpr char kBatchAndOlderCopies[] = R"sql(
WITH input AS (
  SELECT x.i, x.t, x.f, x.n, x.o, x.r, coalesce(x.s, 0) AS s, x.ord
  FROM ROWS FROM (json_to_recordset($1::json)
                  AS (i text COLLATE "C", t text, f text COLLATE "C", n bigint, o bigint, r bigint, s bigint))
       WITH ORDINALITY AS x (i, t, f, n, o, r, s, ord)
), joined AS (
  SELECT tn.id AS tenant_id, x.i, x.f, x.n, x.o, x.r, x.s, x.ord
  FROM input x JOIN tenants tn ON tn.name = x.t{{AND tn.id}}
), first_seen AS (
  SELECT DISTINCT ON (tenant_id, i) * FROM joined ORDER BY tenant_id, i, s, ord
), older AS (
  SELECT e.tenant_id, e.event_id, e.feature, e.tokens, e.occurred_at, e.received_at, e.accept_seq,
         e.ledger_period, false AS unpartitioned
  FROM events e JOIN first_seen f ON e.tenant_id = f.tenant_id AND e.event_id = f.i
  WHERE e.ledger_period >= $3::date AND e.ledger_period < $2::date{{AND e.tenant_id}}
  UNION ALL
  SELECT u.tenant_id, u.event_id, u.feature, u.tokens, u.occurred_at, u.received_at, u.accept_seq,
         NULL::date, true
  FROM events_unpartitioned u JOIN first_seen f ON u.tenant_id = f.tenant_id AND u.event_id = f.i{{AND u.tenant_id}}
)sql";

// The INSERT of the batch's first copies into the current partition, as far
// as both forms write it; each goes on with its own filter, order and conflict
// handling.
constexpr char kInsertFirstCopies[] = R"sql(), inserted AS (
  INSERT INTO events (tenant_id, event_id, feature, tokens, occurred_at, received_at, accept_seq, ledger_period)
  SELECT f.tenant_id, f.i, f.f, f.n,
         timestamptz 'epoch' + f.o * interval '1 millisecond',
         timestamptz 'epoch' + f.r * interval '1 millisecond', f.s, $2::date
  FROM first_seen f)sql";

// LedgerInsert::kSkipStored: resolves every stored copy (above).
constexpr char kResolveStoredCopies[] = R"sql(
  WHERE NOT EXISTS (SELECT 1 FROM older o WHERE o.tenant_id = f.tenant_id AND o.event_id = f.i){{AND f.tenant_id}}
  ORDER BY f.tenant_id, f.i
  ON CONFLICT (tenant_id, event_id, ledger_period) DO NOTHING
  RETURNING tenant_id, event_id, feature, tokens, occurred_at
), found AS (
  SELECT * FROM older
  UNION ALL
  SELECT e.tenant_id, e.event_id, e.feature, e.tokens, e.occurred_at, e.received_at, e.accept_seq,
         e.ledger_period, false
  FROM events e JOIN first_seen f ON e.tenant_id = f.tenant_id AND e.event_id = f.i
  WHERE e.ledger_period = $2::date{{AND e.tenant_id}}
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
  WHERE e.tenant_id = f.tenant_id AND e.event_id = f.i AND e.ledger_period = st.ledger_period{{AND e.tenant_id}}
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
  WHERE e.tenant_id = f.tenant_id AND e.event_id = f.i{{AND e.tenant_id}} AND st.unpartitioned
    AND st.earlier_by_number AND NOT st.arrived_later AND e.accept_seq = st.accept_seq
  RETURNING e.tenant_id, e.event_id, e.feature, e.tokens, e.occurred_at,
            st.feature AS old_feature, st.tokens AS old_tokens, st.occurred_at AS old_occurred_at
), all_replaced AS (
  SELECT * FROM replaced UNION ALL SELECT * FROM replaced_unpartitioned
), deltas AS (
  SELECT tenant_id, feature, occurred_at, tokens, 1 AS events FROM inserted
  UNION ALL SELECT tenant_id, feature, occurred_at, tokens, 1 FROM all_replaced
  UNION ALL SELECT tenant_id, old_feature, old_occurred_at, -old_tokens, -1 FROM all_replaced
)sql";

// The rollups of `deltas`, shared by both forms.
constexpr char kRollups[] = R"sql(), minute_deltas AS (
  SELECT tenant_id, feature, date_trunc('minute', occurred_at, 'UTC') AS minute,
         sum(tokens) AS tokens, sum(events) AS events
  FROM deltas GROUP BY 1, 2, 3
), minute_rollup AS (
  INSERT INTO usage_minute AS u (tenant_id, feature, minute, tokens, events)
  SELECT tenant_id, feature, minute, tokens, events FROM minute_deltas{{WHERE minute_deltas.tenant_id}} ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, feature, minute)
  DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, events = u.events + EXCLUDED.events
), hour_rollup AS (
  INSERT INTO usage_hour AS u (tenant_id, feature, hour, tokens, events)
  SELECT tenant_id, feature, date_trunc('hour', minute, 'UTC'), sum(tokens), sum(events)
  FROM minute_deltas{{WHERE minute_deltas.tenant_id}} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, feature, hour)
  DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, events = u.events + EXCLUDED.events
), day_rollup AS (
  INSERT INTO usage_day AS u (tenant_id, feature, day, tokens, events)
  SELECT tenant_id, feature, date_trunc('day', minute, 'UTC'), sum(tokens), sum(events)
  FROM minute_deltas{{WHERE minute_deltas.tenant_id}} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, feature, day)
  DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, events = u.events + EXCLUDED.events
))sql";

constexpr char kResolveStoredCopiesCounts[] = R"sql(
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

// LedgerInsert::kExpectNew: the batch's first copies go in with a plain
// INSERT and are rolled up, nothing else. A copy stored in the current
// partition fails the INSERT (unique violation); one in an older partition
// or the unpartitioned ledger is counted as unresolved, and the caller rolls
// back and runs the batch in the kSkipStored form, which resolves both. So
// this form commits only batches of new ids, where the two forms agree, and
// spares the planning and the look-ups of the rest (found, stored, the
// replacements).
constexpr char kInsertNewCopies[] = R"sql({{WHERE f.tenant_id}}
  ORDER BY f.tenant_id, f.i
  RETURNING tenant_id, event_id, feature, tokens, occurred_at
), deltas AS (
  SELECT tenant_id, feature, occurred_at, tokens, 1 AS events FROM inserted
)sql";

constexpr char kInsertNewCopiesCounts[] = R"sql(
SELECT (SELECT count(*) FROM joined) AS matched,
       (SELECT count(*) FROM inserted) AS inserted,
       (SELECT count(*) FROM older) AS unresolved,
       0 AS regressions
)sql";

// The batch parameter is read with the event's wire format and its owner's column list.
static_assert(std::string_view(kBatchAndOlderCopies).find(event_wire::kSqlColumns) != std::string_view::npos,
              "the commit SQL must read the batch as event_wire::kSqlColumns");

// The template with its `{{AND x.tenant_id}}` and `{{WHERE x.tenant_id}}`
// markers expanded for `scope`.
std::string ExpandTenantFilters(std::string_view text, CommitStatements scope) {
  std::string out;
  out.reserve(text.size() + 512);
  std::size_t at = 0;
  for (std::size_t open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", at)) {
    const std::size_t close = text.find("}}", open);
    if (close == std::string_view::npos) throw std::logic_error("commit SQL: unclosed {{ placeholder");
    out.append(text.substr(at, open - at));
    const std::string_view marker = text.substr(open + 2, close - open - 2);
    const std::size_t space = marker.find(' ');
    const std::string_view keyword = marker.substr(0, space);
    if (space == std::string_view::npos || (keyword != "AND" && keyword != "WHERE")) {
      throw std::logic_error("commit SQL: placeholder {{" + std::string(marker) + "}} is not {{AND <column>}} or {{WHERE <column>}}");
    }
    if (scope == CommitStatements::kOnePerTenant) {
      out.append(" ").append(marker).append(" = ").append(kTenantIdParameter);
    }
    at = close + 2;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace

std::string CommitEventsSql(CommitStatements scope, LedgerInsert insert) {
  std::string text = kBatchAndOlderCopies;
  text.append(kInsertFirstCopies);
  if (insert == LedgerInsert::kSkipStored) {
    text.append(kResolveStoredCopies).append(kRollups).append(kResolveStoredCopiesCounts);
  } else {
    text.append(kInsertNewCopies).append(kRollups).append(kInsertNewCopiesCounts);
  }
  return ExpandTenantFilters(text, scope);
}

}  // namespace flagmeter
