// Event ids and feature names are compared byte by byte in every key that
// holds them (migrations/0011), also in a database of the official postgres
// image's locale, en_US.UTF-8, where text otherwise compares through strcoll;
// and the commit path works there, its bytewise batch columns meeting the
// key columns without a collation conflict.
#include <pqxx/pqxx>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flagmeter/core/civil_time.hpp"
#include "flagmeter/store/migrations.hpp"
#include "flagmeter/store/pg_event_store.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

using test::QueryInt64;

constexpr char kImageLocale[] = "en_US.UTF-8";
const std::int64_t kNoon = DaysFromCivil({2026, 3, 20}) * kMillisPerDay + 12 * 3'600'000;

class BytewiseKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<test::TestDatabase>> database = test::TestDatabase::Create(kImageLocale);
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = std::move(database).value();
    const Status migrated = ApplyMigrations(url(), EmbeddedMigrations());
    ASSERT_TRUE(migrated.ok()) << migrated.ToString();
  }

  const std::string& url() const { return database_->url(); }

 private:
  std::unique_ptr<test::TestDatabase> database_;
};

TEST_F(BytewiseKeysTest, TheDatabaseComparesTextLinguistically) {
  // What makes the other tests mean something: here 'a' sorts before 'B'.
  EXPECT_EQ(QueryInt64(url(), "SELECT ('a' < 'B')::int"), 1);
}

TEST_F(BytewiseKeysTest, EveryKeyColumnOfIdsAndFeaturesIsBytewise) {
  pqxx::connection connection(url());
  pqxx::work work(connection);
  std::vector<std::string> columns;
  for (const auto& row : work.exec(
           "SELECT c.relname || '.' || a.attname || ' ' || co.collname FROM pg_attribute a "
           "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation co ON co.oid = a.attcollation "
           "WHERE a.attname IN ('event_id', 'feature') AND NOT a.attisdropped AND c.relkind IN ('r', 'p') "
           "  AND (c.relname IN ('events', 'events_unpartitioned', 'usage_minute', 'usage_hour', 'usage_day') "
           "       OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'events'::regclass)) "
           "ORDER BY 1")) {
    columns.push_back(row[0].as<std::string>());
  }
  // events, its two partitions and events_unpartitioned: id and feature each; the rollups: feature.
  ASSERT_EQ(columns.size(), 11u) << testing::PrintToString(columns);
  for (const std::string& column : columns) EXPECT_TRUE(column.ends_with(" C")) << column;

  // The ledger's primary key compares its event_id bytewise too, in every partition.
  EXPECT_EQ(QueryInt64(url(), "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                              "WHERE i.indisprimary AND i.indcollation[1] = (SELECT oid FROM pg_collation "
                              "WHERE collname = 'C' AND collnamespace = 'pg_catalog'::regnamespace) "
                              "AND (c.relname IN ('events', 'events_unpartitioned') OR c.oid IN "
                              "(SELECT inhrelid FROM pg_inherits WHERE inhparent = 'events'::regclass))"),
            4);
}

TEST_F(BytewiseKeysTest, CommitsCountEachIdOnceWhateverItsCase) {
  PgEventStore store(url());
  // Ids and features that the locale orders otherwise than their bytes, and
  // that differ only in case: distinct keys either way.
  const auto event = [](std::string id, std::string feature, std::int64_t tokens, std::int64_t seq) {
    return Event{std::move(id), "acme", std::move(feature), tokens, kNoon, kNoon + 5, seq};
  };
  const std::vector<Event> first = {event("b-1", "Chat", 1, 1), event("B-1", "chat", 2, 2),
                                    event("a-1", "chat", 4, 3), event("\xc3\x84-1", "\xc3\x84rger", 8, 4),
                                    event("b-1", "Chat", 16, 5)};
  const std::vector<Event> again = {event("B-1", "chat", 2, 2), event("a-2", "Chat", 32, 6)};
  Result<CommitOutcome> one = store.CommitBatch(first);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  Result<CommitOutcome> two = store.CommitBatch(again);
  ASSERT_TRUE(two.ok()) << two.status().ToString();

  EXPECT_EQ(one->inserted, 4u);
  EXPECT_EQ(one->duplicates, 1u);
  EXPECT_EQ(two->inserted, 1u);
  EXPECT_EQ(two->duplicates, 1u);
  EXPECT_EQ(QueryInt64(url(), "SELECT count(*) FROM events"), 5);
  for (const char* rollup : {"usage_minute", "usage_hour", "usage_day"}) {
    SCOPED_TRACE(rollup);
    const std::string sum = std::string("SELECT sum(tokens) FROM ") + rollup + " WHERE feature = ";
    EXPECT_EQ(QueryInt64(url(), sum + "'Chat'"), 1 + 32);
    EXPECT_EQ(QueryInt64(url(), sum + "'chat'"), 2 + 4);
    EXPECT_EQ(QueryInt64(url(), sum + "'\xc3\x84rger'"), 8);
  }
}

}  // namespace
}  // namespace flagmeter
