// The schema keeps the rules a Citus cluster imposes, so the ledger can be
// distributed by tenant when one PostgreSQL primary is not enough
// (docs/scaling.md gives the calls). Citus itself is not packaged for Debian
// 12; these tests read the catalog of the migrated schema on the real test
// server instead:
//  - every table is either distributed by tenant_id or a reference table;
//  - every primary key and unique index of a distributed table includes
//    tenant_id (a shard can only enforce uniqueness within itself);
//  - a foreign key from a distributed table goes to a reference table, or
//    to another distributed table on tenant_id.
// The commit path's SQL is checked against the same tables by
// tests/store/pg_commit_sql_test.cpp (no server needed).
#include <pqxx/pqxx>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "support/citus_tables.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

const std::set<std::string>& kDistributed = test::kCitusDistributed;
const std::set<std::string>& kReference = test::kCitusReference;

// One row per violation of the unique-index rule: "table: index".
std::set<std::string> UniqueIndexesWithoutTenant(const std::string& url) {
  pqxx::connection connection(url);
  pqxx::work work(connection);
  std::set<std::string> found;
  for (const auto& row : work.exec(R"sql(
      SELECT c.relname, i.relname
      FROM pg_index x
      JOIN pg_class c ON c.oid = x.indrelid
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND x.indisunique
        AND NOT EXISTS (
          SELECT 1 FROM pg_attribute a
          WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum = ANY (x.indkey))
      )sql")) {
    const std::string table = row[0].as<std::string>();
    if (kDistributed.count(table) != 0) found.insert(table + ": " + row[1].as<std::string>());
  }
  return found;
}

// One row per foreign key of a distributed table that breaks the rule.
std::set<std::string> ForeignKeysBreakingTheRule(const std::string& url) {
  pqxx::connection connection(url);
  pqxx::work work(connection);
  std::set<std::string> found;
  for (const auto& row : work.exec(R"sql(
      SELECT c.relname, f.relname, k.conname,
             EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = k.conrelid AND a.attname = 'tenant_id' AND a.attnum = ANY (k.conkey))
      FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_class f ON f.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND k.contype = 'f'
      )sql")) {
    const std::string from = row[0].as<std::string>();
    const std::string to = row[1].as<std::string>();
    const bool on_tenant = row[3].as<bool>();
    if (kDistributed.count(from) == 0) continue;
    if (kReference.count(to) != 0) continue;
    if (kDistributed.count(to) != 0 && on_tenant) continue;
    found.insert(from + " -> " + to + " (" + row[2].as<std::string>() + ")");
  }
  return found;
}

class CitusRulesTest : public test::MigratedPostgresTest {};

TEST_F(CitusRulesTest, EveryTableIsDistributedByTenantOrAReferenceTable) {
  pqxx::connection connection(database_url());
  pqxx::work work(connection);
  // Tables and partitioned tables; a partition follows its parent.
  for (const auto& row : work.exec("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition")) {
    const std::string table = row[0].as<std::string>();
    EXPECT_TRUE(kDistributed.count(table) + kReference.count(table) == 1)
        << table << " is neither distributed nor a reference table: decide, here and in docs/scaling.md";
    if (kDistributed.count(table) != 0) {
      const pqxx::result type = work.exec_params(
          "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
          "WHERE attrelid = $1::regclass AND attname = 'tenant_id' AND NOT attisdropped",
          table);
      ASSERT_EQ(type.size(), 1u) << table << " has no tenant_id column";
      EXPECT_EQ(type[0][0].as<std::string>(), "uuid") << table << ": co-location needs one tenant_id type";
    }
  }
}

TEST_F(CitusRulesTest, EveryUniqueIndexOfADistributedTableIncludesTheTenant) {
  EXPECT_EQ(UniqueIndexesWithoutTenant(database_url()), std::set<std::string>{});
}

TEST_F(CitusRulesTest, ForeignKeysOfDistributedTablesGoToReferenceTablesOrOnTheTenant) {
  EXPECT_EQ(ForeignKeysBreakingTheRule(database_url()), std::set<std::string>{});
}

// The checks above can fail: a unique index on the event id alone, and a
// foreign key between distributed tables that leaves the tenant out, are
// both caught.
TEST_F(CitusRulesTest, TheChecksCatchAnIndexAndAForeignKeyThatBreakTheRules) {
  {
    pqxx::connection connection(database_url());
    pqxx::work work(connection);
    // (On the partitioned events, PostgreSQL itself refuses a unique index
    // without the partition key; the unpartitioned ledger has no such guard.)
    work.exec("CREATE UNIQUE INDEX events_event_id_alone ON events_unpartitioned (event_id, accept_seq)");
    work.exec("ALTER TABLE usage_day ADD COLUMN probe_event text");
    work.exec("CREATE UNIQUE INDEX events_tenantless_target ON events_unpartitioned (event_id, feature)");
    work.exec("ALTER TABLE usage_day ADD CONSTRAINT probe_fk FOREIGN KEY (probe_event, feature) "
              "REFERENCES events_unpartitioned (event_id, feature)");
    work.commit();
  }
  const std::set<std::string> indexes = UniqueIndexesWithoutTenant(database_url());
  EXPECT_EQ(indexes.count("events_unpartitioned: events_event_id_alone"), 1u) << testing::PrintToString(indexes);
  EXPECT_EQ(ForeignKeysBreakingTheRule(database_url()),
            (std::set<std::string>{"usage_day -> events_unpartitioned (probe_fk)"}));
}

}  // namespace
}  // namespace flagmeter
