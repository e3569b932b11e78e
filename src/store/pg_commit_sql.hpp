#pragma once

#include <string>

#include "flagmeter/store/pg_event_store.hpp"

namespace flagmeter {

// How the commit statement adds the batch's events to the current partition.
enum class LedgerInsert {
  // The fast form, for batches whose ids are new: a plain INSERT and the
  // rollups of what it added, nothing else. An id already stored in the
  // current partition (a re-sent event, a redelivered batch, a concurrent
  // commit of the same id) fails the whole statement with a unique violation
  // (SQLSTATE 23505); one stored in an older partition the window reaches,
  // or in the unpartitioned ledger, is counted as unresolved. Either way the
  // caller rolls back and runs the batch again with kSkipStored.
  kExpectNew,
  // INSERT ... ON CONFLICT DO NOTHING: ids already stored there are skipped
  // and looked up, so their stored copies decide (pg_commit_sql.cpp). Costs
  // a speculative insertion per event (a fifth of the commit, in a drain),
  // and more planning (the look-ups and replacements kExpectNew leaves out).
  // Its unresolved count means a concurrent commit got there first.
  kSkipStored,
};

// The statement that commits events and their rollups (its design is
// described in pg_commit_sql.cpp), built from one text in either scope and
// either insert:
//  - kOnePerBatch: $1 the batch as JSON, $2 the period to commit under, $3
//    the first period the idempotency window reaches;
//  - kOnePerTenant: the same for one tenant's events, plus $4 that tenant's
//    id. Every reference to a table distributed by tenant_id (read, update or
//    the rows an INSERT takes) is filtered by `<alias>.tenant_id = $4::uuid`,
//    so Citus can route the statement to the tenant's shard.
std::string CommitEventsSql(CommitStatements scope, LedgerInsert insert);

// The per-tenant statement's value of the distribution column: the text's
// `{{AND x.tenant_id}}` expands to ` AND x.tenant_id = $4::uuid`.
inline constexpr char kTenantIdParameter[] = "$4::uuid";

// $1: a JSON array of tenant names. Those that exist with their ids, ordered
// by id: the order of the per-tenant statements, the same in every worker
// (and the order the single statement's writes take), so concurrent commits
// lock rows in one order.
inline constexpr char kTenantIdsSql[] =
    "SELECT t.name, t.id FROM tenants t WHERE t.name IN (SELECT json_array_elements_text($1::json)) ORDER BY t.id";

}  // namespace flagmeter
