#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "flagmeter/store/migrations.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

using test::QueryInt64;

class MigratorTest : public test::PostgresTest {
 protected:
  std::int64_t TableCount() {
    return QueryInt64(database_url(),
                      "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN "
                      "('tenants', 'events', 'usage_minute', 'usage_day', 'schema_migrations')");
  }
  std::int64_t RecordedVersions() {
    return QueryInt64(database_url(), "SELECT count(*) FROM schema_migrations");
  }
};

TEST_F(MigratorTest, EmbedsMigrationsInVersionOrder) {
  const std::vector<Migration>& migrations = EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  EXPECT_EQ(migrations.front().name, "0001_init");
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_LT(migrations[i - 1].version, migrations[i].version);
  }
}

TEST_F(MigratorTest, CreatesSchemaAndRecordsVersions) {
  ASSERT_TRUE(ApplyMigrations(database_url(), EmbeddedMigrations()).ok());
  EXPECT_EQ(TableCount(), 5);
  EXPECT_EQ(RecordedVersions(), static_cast<std::int64_t>(EmbeddedMigrations().size()));
  EXPECT_EQ(QueryInt64(database_url(), "SELECT max(version) FROM schema_migrations"),
            EmbeddedMigrations().back().version);
}

TEST_F(MigratorTest, SecondRunIsNoOp) {
  ASSERT_TRUE(ApplyMigrations(database_url(), EmbeddedMigrations()).ok());
  const std::int64_t first_applied_at = QueryInt64(
      database_url(), "SELECT (extract(epoch FROM max(applied_at)) * 1e6)::bigint FROM schema_migrations");

  const Status again = ApplyMigrations(database_url(), EmbeddedMigrations());
  ASSERT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(RecordedVersions(), static_cast<std::int64_t>(EmbeddedMigrations().size()));
  EXPECT_EQ(QueryInt64(database_url(),
                       "SELECT (extract(epoch FROM max(applied_at)) * 1e6)::bigint FROM schema_migrations"),
            first_applied_at);
}

TEST_F(MigratorTest, ConcurrentStartersBothSucceed) {
  Status first;
  Status second;
  std::thread a([&] { first = ApplyMigrations(database_url(), EmbeddedMigrations()); });
  std::thread b([&] { second = ApplyMigrations(database_url(), EmbeddedMigrations()); });
  a.join();
  b.join();
  EXPECT_TRUE(first.ok()) << first.ToString();
  EXPECT_TRUE(second.ok()) << second.ToString();
  EXPECT_EQ(TableCount(), 5);
  EXPECT_EQ(RecordedVersions(), static_cast<std::int64_t>(EmbeddedMigrations().size()));
}

TEST_F(MigratorTest, AppliesOnlyNewMigrations) {
  const std::vector<Migration> v1 = {{1, "0001_a", "CREATE TABLE a (x int)"}};
  ASSERT_TRUE(ApplyMigrations(database_url(), v1).ok());
  // Version 1 would fail if it ran again (the table exists).
  const std::vector<Migration> v2 = {{1, "0001_a", "CREATE TABLE a (x int)"},
                                     {2, "0002_b", "CREATE TABLE b (x int)"}};
  const Status status = ApplyMigrations(database_url(), v2);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(QueryInt64(database_url(), "SELECT count(*) FROM pg_tables WHERE tablename = 'b'"), 1);
}

TEST_F(MigratorTest, FailedMigrationIsInternalAndRolledBack) {
  const std::vector<Migration> migrations = {
      {1, "0001_good", "CREATE TABLE good (x int)"},
      {2, "0002_bad", "CREATE TABLE half (x int); SELECT no_such_column FROM good;"},
      {3, "0003_after", "CREATE TABLE after (x int)"}};
  const Status status = ApplyMigrations(database_url(), migrations);
  ASSERT_EQ(status.code(), Status::Code::kInternal) << status.ToString();
  EXPECT_NE(status.message().find("0002_bad"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("no_such_column"), std::string::npos) << status.message();
  // The good one stays; the bad one left nothing behind; later ones did not run.
  EXPECT_EQ(QueryInt64(database_url(), "SELECT count(*) FROM schema_migrations"), 1);
  EXPECT_EQ(QueryInt64(database_url(),
                       "SELECT count(*) FROM pg_tables WHERE tablename IN ('half', 'after')"),
            0);
}

TEST_F(MigratorTest, DuplicateVersionIsInternal) {
  const std::vector<Migration> migrations = {{1, "0001_a", "SELECT 1"}, {1, "0001_b", "SELECT 1"}};
  const Status status = ApplyMigrations(database_url(), migrations);
  EXPECT_EQ(status.code(), Status::Code::kInternal);
  EXPECT_NE(status.message().find("0001_b"), std::string::npos) << status.message();
}

TEST(MigratorDownTest, UnreachableDatabaseIsUnavailable) {
  const Status status = ApplyMigrations(test::UnreachableDatabaseUrl(), EmbeddedMigrations());
  EXPECT_EQ(status.code(), Status::Code::kUnavailable) << status.ToString();
  EXPECT_NE(status.message().find("store: apply migrations"), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace flagmeter
