// COMMIT_PER_TENANT on a real PostgreSQL: one commit statement per tenant of
// a batch stores exactly what the single statement stores, and each of those
// statements writes only the tenant its parameter names.
#include <pqxx/pqxx>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flagmeter/core/civil_time.hpp"
#include "flagmeter/core/event_json.hpp"
#include "flagmeter/store/migrations.hpp"
#include "flagmeter/store/pg_event_store.hpp"
#include "store/pg_commit_sql.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

using test::QueryInt64;

const std::int64_t kNoon = DaysFromCivil({2026, 3, 20}) * kMillisPerDay + 12 * 3'600'000;

Event MakeEvent(std::string id, std::string tenant, std::string feature, std::int64_t tokens,
                std::int64_t accept_seq, std::int64_t occurred_at_ms = kNoon) {
  return Event{std::move(id), std::move(tenant), std::move(feature), tokens, occurred_at_ms, occurred_at_ms + 5,
               accept_seq};
}

// Every stored event and rollup row, by tenant name (ids differ between databases).
std::vector<std::string> Ledger(const std::string& url) {
  pqxx::connection connection(url);
  pqxx::work work(connection);
  std::vector<std::string> rows;
  for (const auto& row : work.exec(
           "SELECT 'event ' || t.name || ' ' || e.event_id || ' ' || e.feature || ' ' || e.tokens || ' ' || "
           "(extract(epoch FROM e.occurred_at) * 1000)::bigint || ' ' || e.accept_seq FROM events e "
           "JOIN tenants t ON t.id = e.tenant_id ORDER BY 1")) {
    rows.push_back(row[0].as<std::string>());
  }
  for (const char* rollup : {"minute", "hour", "day"}) {
    for (const auto& row : work.exec(std::string("SELECT '") + rollup + " ' || t.name || ' ' || u.feature || ' ' || u." +
                                     rollup + " || ' ' || u.tokens || ' ' || u.events FROM usage_" + rollup +
                                     " u JOIN tenants t ON t.id = u.tenant_id ORDER BY 1")) {
      rows.push_back(row[0].as<std::string>());
    }
  }
  return rows;
}

struct ScenarioRun {
  std::vector<std::string> outcomes;  // "inserted duplicates regressions" per batch
  std::uint64_t statements = 0;
};

// Three batches of 4, 3 and 2 tenants: copies of one id within a batch (the
// earlier-accepted one listed last), the same id under two tenants, re-sends
// across batches, a replacement by an earlier acceptance number in a later
// batch, and a lower number that arrived minutes later (a regression).
ScenarioRun CommitTheScenario(const std::string& url, CommitStatements statements) {
  Event regression = MakeEvent("u1", "umbrella", "late", 70, 1);
  regression.received_at_ms += 5 * 60'000;
  const std::vector<std::vector<Event>> batches = {
      {MakeEvent("a1", "acme", "gpt", 5, 10), MakeEvent("g1", "globex", "gpt", 9, 13),
       MakeEvent("a2", "acme", "bert", 7, 11), MakeEvent("a1", "globex", "gpt", 3, 12),
       MakeEvent("i1", "initech", "gpt", 2, 14, kNoon - kMillisPerDay), MakeEvent("u1", "umbrella", "gpt", 8, 15),
       MakeEvent("g1", "globex", "gpt", 1, 20), MakeEvent("a1", "acme", "early", 50, 4)},
      {MakeEvent("u1", "umbrella", "gpt", 8, 15), MakeEvent("a2", "acme", "bert", 7, 11),
       MakeEvent("g1", "globex", "replaced", 99, 2), MakeEvent("a3", "acme", "gpt", 6, 30), regression},
      {MakeEvent("i1", "initech", "gpt", 2, 40), MakeEvent("a1", "acme", "earliest", 500, 3),
       MakeEvent("i2", "initech", "bert", 4, 41, kNoon + 61'000)},
  };
  PgEventStore store(url, nullptr, PgEventStore::kDefaultIdempotencyWindowDays, statements);
  ScenarioRun run;
  for (const std::vector<Event>& batch : batches) {
    Result<CommitOutcome> outcome = store.CommitBatch(batch);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    if (!outcome.ok()) continue;
    run.outcomes.push_back(std::to_string(outcome->inserted) + " " + std::to_string(outcome->duplicates) + " " +
                           std::to_string(outcome->sequence_regressions));
  }
  run.statements = store.commit_statements_run();
  return run;
}

class PgEventStorePerTenantTest : public test::MigratedPostgresTest {};

TEST_F(PgEventStorePerTenantTest, CommitsExactlyWhatTheSingleStatementCommits) {
  Result<std::unique_ptr<test::TestDatabase>> other = test::TestDatabase::Create();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE(ApplyMigrations((*other)->url(), EmbeddedMigrations()).ok());

  const ScenarioRun single = CommitTheScenario(database_url(), CommitStatements::kOnePerBatch);
  const ScenarioRun per_tenant = CommitTheScenario((*other)->url(), CommitStatements::kOnePerTenant);

  EXPECT_EQ(single.outcomes, (std::vector<std::string>{"6 2 0", "1 4 1", "1 2 0"}));
  EXPECT_EQ(per_tenant.outcomes, single.outcomes);
  const std::vector<std::string> ledger = Ledger(database_url());
  EXPECT_EQ(Ledger((*other)->url()), ledger);
  // The scenario did what it says: the earliest copies won, the regression did not.
  EXPECT_NE(std::find(ledger.begin(), ledger.end(), "event acme a1 earliest 500 " + std::to_string(kNoon) + " 3"),
            ledger.end())
      << testing::PrintToString(ledger);
  EXPECT_NE(std::find(ledger.begin(), ledger.end(), "event globex g1 replaced 99 " + std::to_string(kNoon) + " 2"),
            ledger.end());
  EXPECT_NE(std::find(ledger.begin(), ledger.end(), "event umbrella u1 gpt 8 " + std::to_string(kNoon) + " 15"),
            ledger.end());

  // One statement per batch, against one per tenant of each batch (4 + 3 + 2),
  // and one more each: the second batch re-sends stored ids of all its
  // tenants, so its plain insert fails at its first statement, and the batch
  // runs again with the insert that skips stored ids.
  EXPECT_EQ(single.statements, 3u + 1u);
  EXPECT_EQ(per_tenant.statements, 9u + 1u);
}

// The per-tenant statement given two tenants' events and one tenant's id
// matches and writes that tenant's alone: the filter on the distribution
// column is what decides, not the JSON the caller passes.
TEST_F(PgEventStorePerTenantTest, TheTenantStatementWritesOnlyTheTenantOfItsParameter) {
  const std::vector<Event> events = {MakeEvent("1", "acme", "gpt", 5, 1), MakeEvent("2", "globex", "gpt", 7, 2),
                                     MakeEvent("3", "acme", "bert", 11, 3)};
  std::string json = "[";
  for (const Event& event : events) {
    if (json.size() > 1) json += ',';
    AppendEventJson(event, /*with_accept_seq=*/true, json);
  }
  json += ']';
  const auto commit = [&](CommitStatements scope) {
    pqxx::connection connection(database_url());
    pqxx::work work(connection);
    work.exec("INSERT INTO tenants (name) VALUES ('acme'), ('globex') ON CONFLICT DO NOTHING");
    const std::string acme = work.exec1("SELECT id FROM tenants WHERE name = 'acme'")[0].as<std::string>();
    const pqxx::row ledger = work.exec1("SELECT period, window_from FROM fm_lock_ledger(62)");
    // The form that skips stored ids: the second call meets acme's events.
    const std::string sql = CommitEventsSql(scope, LedgerInsert::kSkipStored);
    const pqxx::row counts = scope == CommitStatements::kOnePerTenant
                                 ? work.exec_params1(sql, json, ledger[0].c_str(), ledger[1].c_str(), acme)
                                 : work.exec_params1(sql, json, ledger[0].c_str(), ledger[1].c_str());
    work.commit();
    return counts[0].as<std::string>() + " matched, " + counts[1].as<std::string>() + " inserted";
  };
  EXPECT_EQ(commit(CommitStatements::kOnePerTenant), "2 matched, 2 inserted");
  EXPECT_EQ(QueryInt64(database_url(), "SELECT count(*) FROM events e JOIN tenants t ON t.id = e.tenant_id "
                                       "WHERE t.name = 'acme'"),
            2);
  for (const char* table : {"events", "usage_minute", "usage_hour", "usage_day"}) {
    EXPECT_EQ(QueryInt64(database_url(), std::string("SELECT count(*) FROM ") + table +
                                             " x JOIN tenants t ON t.id = x.tenant_id WHERE t.name = 'globex'"),
              0)
        << table;
  }
  // The same JSON through the batch statement: globex's event is written too.
  EXPECT_EQ(commit(CommitStatements::kOnePerBatch), "3 matched, 1 inserted");
}

}  // namespace
}  // namespace flagmeter
