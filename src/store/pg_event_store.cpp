#include "flagmeter/store/pg_event_store.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "store/pg_connection.hpp"
#include "store/pg_errors.hpp"

namespace flagmeter {
namespace {

constexpr int kMaxRetries = 3;
// Bounds the memory of known_tenants_; forgetting names only costs one
// redundant (idempotent) tenant insert per batch until they are relearnt.
constexpr std::size_t kMaxKnownTenants = 100'000;

// Sorted names, so concurrent workers lock new tenant rows in the same order.
constexpr char kInsertTenantsSql[] = R"sql(
INSERT INTO tenants (name)
SELECT DISTINCT name FROM json_array_elements_text($1::json) AS t (name)
ORDER BY 1
ON CONFLICT (name) DO NOTHING
)sql";

// The whole batch is one JSON parameter. Within the batch the first
// occurrence of a (tenant, id) wins; only the rows the INSERT really added
// (RETURNING) reach the rollups, so a replayed batch adds nothing. Every
// INSERT is ordered by its key so concurrent workers take row locks in the
// same order and do not deadlock. Buckets are UTC whatever the session zone.
constexpr char kCommitEventsSql[] = R"sql(
WITH input AS (
  SELECT x.i, x.t, x.f, x.n, x.o, x.r, x.ord
  FROM ROWS FROM (json_to_recordset($1::json)
                  AS (i text, t text, f text, n bigint, o bigint, r bigint))
       WITH ORDINALITY AS x (i, t, f, n, o, r, ord)
), joined AS (
  SELECT tn.id AS tenant_id, x.i, x.f, x.n, x.o, x.r, x.ord
  FROM input x JOIN tenants tn ON tn.name = x.t
), first_seen AS (
  SELECT DISTINCT ON (tenant_id, i) * FROM joined ORDER BY tenant_id, i, ord
), inserted AS (
  INSERT INTO events (tenant_id, event_id, feature, tokens, occurred_at, received_at)
  SELECT tenant_id, i, f, n,
         timestamptz 'epoch' + o * interval '1 millisecond',
         timestamptz 'epoch' + r * interval '1 millisecond'
  FROM first_seen ORDER BY tenant_id, i
  ON CONFLICT (tenant_id, event_id) DO NOTHING
  RETURNING tenant_id, feature, tokens, occurred_at
), minute_rollup AS (
  INSERT INTO usage_minute AS u (tenant_id, feature, minute, tokens, events)
  SELECT tenant_id, feature, date_trunc('minute', occurred_at, 'UTC'), sum(tokens), count(*)
  FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, feature, minute)
  DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, events = u.events + EXCLUDED.events
), day_rollup AS (
  INSERT INTO usage_day AS u (tenant_id, feature, day, tokens, events)
  SELECT tenant_id, feature, date_trunc('day', occurred_at, 'UTC'), sum(tokens), count(*)
  FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, feature, day)
  DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, events = u.events + EXCLUDED.events
)
SELECT (SELECT count(*) FROM joined) AS matched, (SELECT count(*) FROM inserted) AS inserted
)sql";

// [{"i":id,"t":tenant,"f":feature,"n":tokens,"o":occurred ms,"r":received ms}, ...]
Result<std::string> EventsToJson(const std::vector<Event>& events) {
  std::string out = "[";
  out.reserve(events.size() * 128);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const nlohmann::json row = {{"i", e.id},     {"t", e.tenant},         {"f", e.feature},
                                {"n", e.tokens}, {"o", e.occurred_at_ms}, {"r", e.received_at_ms}};
    if (i != 0) out += ',';
    try {
      out += row.dump();
    } catch (const nlohmann::json::exception& error) {
      return Status::InvalidArgument("event #" + std::to_string(i) + " of the batch: " +
                                     error.what());
    }
  }
  out += ']';
  return out;
}

}  // namespace

PgEventStore::PgEventStore(std::string database_url)
    : connection_(std::make_unique<PgConnection>(
          std::move(database_url),
          std::vector<PreparedStatement>{{"fm_insert_tenants", kInsertTenantsSql},
                                         {"fm_commit_events", kCommitEventsSql}})) {}

PgEventStore::~PgEventStore() = default;

Result<CommitOutcome> PgEventStore::CommitBatch(const std::vector<Event>& events) {
  if (events.empty()) return CommitOutcome{};
  const std::string operation =
      "store: commit batch of " + std::to_string(events.size()) + " events";
  Result<std::string> events_json = EventsToJson(events);
  if (!events_json.ok()) return events_json.status().WithContext(operation);
  const std::string new_tenants_json = NewTenantsJson(events);

  // Rerunning is safe: a failed attempt rolled back, and one whose COMMIT
  // outcome was unknown is deduplicated by the events' primary key.
  Result<CommitOutcome> outcome =
      RunWithRetries<CommitOutcome>(*connection_, operation, kMaxRetries, [&] {
        Result<CommitOutcome> once = CommitOnce(events.size(), *events_json, new_tenants_json);
        if (!once.ok()) return Result<CommitOutcome>(once.status().WithContext(operation));
        return once;
      });
  if (!outcome.ok()) return outcome;
  RememberTenants(events);
  return outcome;
}

Result<CommitOutcome> PgEventStore::CommitOnce(std::size_t batch_size,
                                               const std::string& events_json,
                                               const std::string& new_tenants_json) {
  pqxx::work tx(connection_->Get(), "commit_batch");
  if (!new_tenants_json.empty()) tx.exec_prepared("fm_insert_tenants", new_tenants_json);
  const pqxx::row counts = tx.exec_prepared1("fm_commit_events", events_json);
  const auto matched = counts[0].as<std::size_t>();
  const auto inserted = counts[1].as<std::size_t>();
  if (matched != batch_size) {
    tx.abort();
    // Only a tenant row deleted behind our back gets here; forget what we
    // knew so the next attempt creates the tenants again.
    known_tenants_.clear();
    return Status::Internal(std::to_string(batch_size - matched) +
                            " events matched no tenant row; nothing was committed");
  }
  tx.commit();
  return CommitOutcome{inserted, batch_size - inserted};
}

// "" when every tenant of the batch is known to exist.
std::string PgEventStore::NewTenantsJson(const std::vector<Event>& events) const {
  std::set<std::string> names;
  for (const Event& event : events) {
    if (known_tenants_.count(event.tenant) == 0) names.insert(event.tenant);
  }
  if (names.empty()) return "";
  // EventsToJson has already checked that every name dumps.
  return nlohmann::json(names).dump();
}

void PgEventStore::RememberTenants(const std::vector<Event>& events) {
  if (known_tenants_.size() + events.size() > kMaxKnownTenants) known_tenants_.clear();
  for (const Event& event : events) known_tenants_.insert(event.tenant);
}

}  // namespace flagmeter
