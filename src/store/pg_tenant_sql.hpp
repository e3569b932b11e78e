#pragma once

namespace flagmeter {

// The one statement that makes tenants exist, for automatic creation
// (PgTenantStore::AdmitTenants) and for the workers' stores (PgEventStore,
// for events queued before their tenant row was seen).
//
// Returns the names of $1 (a JSON array of names) that exist, plus, when
// $2, those of the others it created with the defaults: all of them when $3
// is null, else as many as fit under the bound $3 on all tenants. Sorted, so
// concurrent callers take the unique index's locks in one order. Callers
// that pass a bound hold kTenantCreationLockSql, so the count cannot change
// under them; without one the count is never read.
constexpr char kAdmitTenantsSql[] = R"sql(
WITH wanted AS (
  SELECT DISTINCT name FROM json_array_elements_text($1::json) AS w (name)
), existing AS (
  SELECT t.name FROM tenants t JOIN wanted USING (name)
), created AS (
  INSERT INTO tenants (name)
  SELECT name FROM wanted WHERE $2::boolean AND name NOT IN (SELECT name FROM existing)
  ORDER BY 1
  LIMIT CASE WHEN $3::bigint IS NULL THEN NULL ELSE greatest($3::bigint - (SELECT count(*) FROM tenants), 0) END
  ON CONFLICT (name) DO NOTHING
  RETURNING name
)
SELECT name FROM existing UNION ALL SELECT name FROM created
)sql";

// Serialises bounded creation across processes, so that MAX_TENANTS holds
// with any number of instances.
constexpr char kTenantCreationLockSql[] = "SELECT pg_advisory_xact_lock(4632271447135834708)";

}  // namespace flagmeter
