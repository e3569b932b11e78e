// The partitioned ledger of raw events (migrations/0010) on a real
// PostgreSQL: partitions ahead, retention as a partition drop, the ledger
// clock, exact deduplication across partitions, and the batched move of an
// unpartitioned ledger. The clock is the test's: no test waits for a day.
#include "flagmeter/store/ledger_maintainer.hpp"

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/store/migrations.hpp"
#include "flagmeter/store/pg_event_store.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using test::QueryInt64;

constexpr std::int64_t kMillisPerDay = 86'400'000;

Event MakeEvent(std::string id, std::int64_t tokens, std::int64_t accept_seq = 0) {
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  return Event{std::move(id), "acme", "gpt", tokens, now_ms, now_ms, accept_seq};
}

LedgerPass Pass(LedgerMaintainer& maintainer, sys_days today, int max_move_batches = 0) {
  Result<LedgerPass> pass = maintainer.RunOnce(today, max_move_batches);
  EXPECT_TRUE(pass.ok()) << pass.status().ToString();
  return pass.ok() ? *pass : LedgerPass{};
}

// Its TEST_Ps commit with one statement per batch and with one per tenant
// (COMMIT_PER_TENANT): the same in both.
class LedgerMaintainerTest : public test::MigratedPostgresTest, public testing::WithParamInterface<CommitStatements> {
 protected:
  void SetUp() override {
    test::MigratedPostgresTest::SetUp();
    // The migration's day: its first partition starts there.
    migrated_ = sys_days(days(QueryInt64(database_url(), "SELECT period - date '1970-01-01' FROM ledger_clock")));
  }

  std::int64_t Query(const std::string& sql) { return QueryInt64(database_url(), sql); }
  std::int64_t Day(const std::string& column) {
    return Query("SELECT " + column + " - date '1970-01-01' FROM ledger_clock");
  }
  std::int64_t DaysAfterMigration(const std::string& column) {
    return Day(column) - migrated_.time_since_epoch().count();
  }
  std::int64_t Partitions() { return Query("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass"); }
  std::int64_t DuplicateIds() {
    return Query("SELECT count(*) - count(DISTINCT (tenant_id, event_id)) FROM events");
  }
  std::int64_t RolledUpTokens() { return Query("SELECT coalesce(sum(tokens), 0) FROM usage_day"); }
  std::int64_t StoredTokens() {
    return Query("SELECT coalesce(sum(tokens), 0) FROM (SELECT tokens FROM events UNION ALL "
                 "SELECT tokens FROM events_unpartitioned) e");
  }

  sys_days migrated_;
};

std::string StatementsName(const testing::TestParamInfo<CommitStatements>& info) {
  return info.param == CommitStatements::kOnePerBatch ? "OnePerBatch" : "OnePerTenant";
}
const auto kBothStatements = testing::Values(CommitStatements::kOnePerBatch, CommitStatements::kOnePerTenant);

INSTANTIATE_TEST_SUITE_P(Statements, LedgerMaintainerTest, kBothStatements, StatementsName);

TEST_F(LedgerMaintainerTest, CreatesPartitionsAheadAndMovesTheClockWithTheDay) {
  LedgerMaintainer maintainer(database_url(), LedgerOptions{.retention_days = 400, .partition_days = 31});
  // Fresh: the partition before the first period, and the first period.
  EXPECT_EQ(Partitions(), 2);
  LedgerPass pass = Pass(maintainer, migrated_ + days(29));
  EXPECT_EQ(pass.partitions_created, 1);  // day 32 lies beyond the first period [0, 31)
  EXPECT_TRUE(pass.clock_advanced);
  EXPECT_EQ(DaysAfterMigration("day"), 29);
  EXPECT_EQ(DaysAfterMigration("period"), 0);

  pass = Pass(maintainer, migrated_ + days(31));
  EXPECT_EQ(pass.partitions_created, 0);
  EXPECT_EQ(DaysAfterMigration("period"), 31);
  EXPECT_EQ(Partitions(), 3);

  // The clock never goes back.
  pass = Pass(maintainer, migrated_ + days(3));
  EXPECT_FALSE(pass.clock_advanced);
  EXPECT_EQ(DaysAfterMigration("day"), 31);

  // A gap with no maintenance becomes one partition up to the day.
  pass = Pass(maintainer, migrated_ + days(200));
  EXPECT_EQ(pass.partitions_created, 2);  // [62, 201) and [201, 232)
  EXPECT_EQ(DaysAfterMigration("day"), 200);
  EXPECT_EQ(DaysAfterMigration("period"), 62);
}

// Retention drops whole partitions once their last day is older than
// RAW_EVENT_RETENTION_DAYS, never the current one, and leaves the rollups.
TEST_F(LedgerMaintainerTest, DropsPartitionsOlderThanTheRetentionAndKeepsTheRollups) {
  LedgerMaintainer maintainer(database_url(), LedgerOptions{.retention_days = 62, .partition_days = 31});
  PgEventStore store(database_url(), nullptr, 62);
  ASSERT_TRUE(store.CommitBatch({MakeEvent("first-1", 10), MakeEvent("first-2", 20)}).ok());

  Pass(maintainer, migrated_ + days(40));
  ASSERT_TRUE(store.CommitBatch({MakeEvent("second-1", 5)}).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM events"), 3);
  EXPECT_EQ(RolledUpTokens(), 35);

  // The first period [0, 31) ends 62 days before day 93, not before day 92.
  LedgerPass pass = Pass(maintainer, migrated_ + days(92));
  EXPECT_EQ(pass.partitions_dropped, 1);  // only the (empty) partition before the first period
  EXPECT_EQ(Query("SELECT count(*) FROM events"), 3);
  pass = Pass(maintainer, migrated_ + days(93));
  EXPECT_EQ(pass.partitions_dropped, 1);
  EXPECT_EQ(Query("SELECT count(*) FROM events"), 1);
  EXPECT_EQ(Query("SELECT count(*) FROM events WHERE event_id = 'second-1'"), 1);
  EXPECT_EQ(Query("SELECT count(*) FROM ledger_periods WHERE stop <= (SELECT day - 62 FROM ledger_clock)"), 0);
  // Rollups are kept for ever.
  EXPECT_EQ(RolledUpTokens(), 35);
}

// A copy committed in an earlier period is found from a later one: the
// re-send counts nothing, and a copy accepted earlier replaces it in place.
TEST_P(LedgerMaintainerTest, AnIdStoredInAnOlderPartitionCountsOnce) {
  LedgerMaintainer maintainer(database_url(), LedgerOptions{.retention_days = 400, .partition_days = 31});
  PgEventStore store(database_url(), nullptr, 62, GetParam());
  ASSERT_TRUE(store.CommitBatch({MakeEvent("a", 10, 50), MakeEvent("b", 20, 51)}).ok());
  EXPECT_EQ(store.stored_id_reruns(), 0u);

  Pass(maintainer, migrated_ + days(40));  // the next period
  Result<CommitOutcome> again = store.CommitBatch({MakeEvent("a", 10, 60), MakeEvent("b", 7, 40)});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->inserted, 0u);
  // The plain insert found the older copies and left them to the form that resolves them.
  EXPECT_EQ(store.stored_id_reruns(), 1u);
  EXPECT_EQ(Query("SELECT count(*) FROM events"), 2);
  EXPECT_EQ(DuplicateIds(), 0);
  // b's copy numbered 40 was accepted first: its values replace 20 where it lies.
  EXPECT_EQ(Query("SELECT tokens FROM events WHERE event_id = 'b'"), 7);
  EXPECT_EQ(Query("SELECT ledger_period - date '1970-01-01' FROM events WHERE event_id = 'b'"),
            migrated_.time_since_epoch().count());
  EXPECT_EQ(RolledUpTokens(), 17);
  EXPECT_EQ(StoredTokens(), RolledUpTokens());
}

// The one-statement commit's generic plans are made again when the window's
// periods move (the partition that was current, maybe empty when planned, is
// an older one to probe now) and every 64 batches; the per-tenant commit
// plans each statement. Either way the re-sent id counts once.
TEST_P(LedgerMaintainerTest, CommitPlansAreMadeAgainWhenThePeriodsMoveAndEvery64Batches) {
  LedgerMaintainer maintainer(database_url(), LedgerOptions{.retention_days = 400, .partition_days = 31});
  PgEventStore store(database_url(), nullptr, 62, GetParam());
  const std::uint64_t generic = GetParam() == CommitStatements::kOnePerBatch ? 1 : 0;
  for (int batch = 1; batch <= 64; ++batch) {
    ASSERT_TRUE(store.CommitBatch({MakeEvent("id-" + std::to_string(batch), 1)}).ok());
  }
  EXPECT_EQ(store.plans_discarded(), generic * 1);  // the first batch only
  ASSERT_TRUE(store.CommitBatch({MakeEvent("id-65", 1)}).ok());
  EXPECT_EQ(store.plans_discarded(), generic * 2);

  Pass(maintainer, migrated_ + days(40));  // the next period
  Result<CommitOutcome> again = store.CommitBatch({MakeEvent("id-1", 1), MakeEvent("id-66", 1)});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(store.plans_discarded(), generic * 3);
  EXPECT_EQ(again->inserted, 1u);
  EXPECT_EQ(Query("SELECT count(*) FROM events"), 66);
  EXPECT_EQ(DuplicateIds(), 0);
  EXPECT_EQ(StoredTokens(), RolledUpTokens());
}

// The look-up reaches exactly the partitions the window can: a copy older
// than IDEMPOTENCY_WINDOW_DAYS is no longer looked for.
TEST_F(LedgerMaintainerTest, LooksIdsUpOnlyInThePartitionsTheWindowReaches) {
  LedgerMaintainer maintainer(database_url(), LedgerOptions{.retention_days = 400, .partition_days = 31});
  PgEventStore store(database_url(), nullptr, 30);
  ASSERT_TRUE(store.CommitBatch({MakeEvent("old", 10)}).ok());

  // Day 70: the window reaches back to day 40, in the second period [31, 62).
  Pass(maintainer, migrated_ + days(70));
  Result<CommitOutcome> beyond = store.CommitBatch({MakeEvent("old", 10)});
  ASSERT_TRUE(beyond.ok()) << beyond.status().ToString();
  EXPECT_EQ(beyond->inserted, 1u);

  PgEventStore wider(database_url(), nullptr, 62);
  Result<CommitOutcome> within = wider.CommitBatch({MakeEvent("old", 10)});
  ASSERT_TRUE(within.ok()) << within.status().ToString();
  EXPECT_EQ(within->inserted, 0u);
}

// Concurrent commits of overlapping ids while the clock crosses partition
// boundaries: the ledger lock keeps every id once across partitions, and
// the rollups equal the stored events.
TEST_P(LedgerMaintainerTest, ConcurrentCommitsAcrossPeriodChangesCountEachIdOnce) {
  LedgerMaintainer maintainer(database_url(), LedgerOptions{.retention_days = 3000, .partition_days = 1});
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  Mutex error_mu;
  std::string first_error;  // of the first failed commit
  // The ids sent slide forward, so new ones land in each new period while
  // recent ones are re-sent across the period changes.
  std::atomic<int> base{0};
  std::vector<std::thread> committers;
  for (int worker = 0; worker < 3; ++worker) {
    committers.emplace_back([&, worker] {
      PgEventStore store(database_url(), nullptr, 3000, GetParam());
      std::mt19937 random(worker);
      std::int64_t seq = worker;
      while (!done.load()) {
        std::vector<Event> batch;
        const int from = base.fetch_add(10);
        for (int i = 0; i < 50; ++i) {
          const int id = from + static_cast<int>(random() % 300);
          batch.push_back(MakeEvent("id-" + std::to_string(id), 1 + random() % 9, seq += 3));
          batch.back().tenant = "tenant-" + std::to_string(id % 3);  // a batch spans tenants
        }
        const Result<CommitOutcome> committed = store.CommitBatch(batch);
        if (!committed.ok() && failures.fetch_add(1) == 0) {
          MutexLock lock(error_mu);
          first_error = committed.status().ToString();
        }
      }
    });
  }
  for (int day = 1; day <= 40; ++day) {
    Pass(maintainer, migrated_ + days(day));
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  done.store(true);
  for (std::thread& committer : committers) committer.join();
  EXPECT_EQ(failures.load(), 0) << "first: " << first_error;
  EXPECT_GE(Query("SELECT count(DISTINCT ledger_period) FROM events"), 10);
  EXPECT_EQ(DuplicateIds(), 0);
  EXPECT_EQ(StoredTokens(), RolledUpTokens());
  EXPECT_EQ(Query("SELECT count(*) FROM events"), Query("SELECT coalesce(sum(events), 0) FROM usage_day"));
}

// An unpartitioned ledger (a database migrated before 0010) moves in
// batches while commits go on: every row once, re-sends of moved and
// unmoved rows count nothing, replacements land wherever the row is, and
// rows older than the retention are deleted instead of moved.
class LedgerMoveTest : public test::PostgresTest, public testing::WithParamInterface<CommitStatements> {
 protected:
  void SetUp() override {
    test::PostgresTest::SetUp();
    std::vector<Migration> before_partitioning;
    for (const Migration& migration : EmbeddedMigrations()) {
      if (migration.version < 10) before_partitioning.push_back(migration);
    }
    ASSERT_TRUE(ApplyMigrations(database_url(), before_partitioning).ok());
  }
  std::int64_t Query(const std::string& sql) { return QueryInt64(database_url(), sql); }
};

INSTANTIATE_TEST_SUITE_P(Statements, LedgerMoveTest, kBothStatements, StatementsName);

TEST_P(LedgerMoveTest, MovesAnUnpartitionedLedgerInBatchesWhileCommitsGoOn) {
  constexpr int kRows = 5000;
  // The old ledger and its rollups, as the commit path of before left them:
  // 100 rows stored 400 days ago (beyond the retention), the rest recently.
  Query("INSERT INTO tenants (name) VALUES ('acme') RETURNING 1");
  Query("WITH e AS (INSERT INTO events (tenant_id, event_id, feature, tokens, occurred_at, received_at, stored_at, "
        "accept_seq) SELECT (SELECT id FROM tenants), 'old-' || g, 'gpt', 1 + g % 7, now() - interval '1 hour', "
        "now() - interval '1 hour', CASE WHEN g <= 100 THEN now() - interval '400 days' ELSE now() END, g "
        "FROM generate_series(1, " + std::to_string(kRows) + ") g RETURNING *), "
        "m AS (INSERT INTO usage_minute SELECT tenant_id, feature, date_trunc('minute', occurred_at, 'UTC'), "
        "sum(tokens), count(*) FROM e GROUP BY 1, 2, 3 RETURNING 1), "
        "h AS (INSERT INTO usage_hour SELECT tenant_id, feature, date_trunc('hour', occurred_at, 'UTC'), "
        "sum(tokens), count(*) FROM e GROUP BY 1, 2, 3 RETURNING 1) "
        "INSERT INTO usage_day SELECT tenant_id, feature, date_trunc('day', occurred_at, 'UTC'), sum(tokens), "
        "count(*) FROM e GROUP BY 1, 2, 3 RETURNING 1");
  const std::int64_t tokens_before = Query("SELECT sum(tokens) FROM usage_day");
  ASSERT_TRUE(ApplyMigrations(database_url(), EmbeddedMigrations()).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM events_unpartitioned"), kRows);
  EXPECT_EQ(Query("SELECT count(*) FROM events"), 0);

  LedgerMaintainer maintainer(database_url(), LedgerOptions{.retention_days = 62, .partition_days = 31,
                                                            .move_batch = 300});
  PgEventStore store(database_url(), nullptr, 62, GetParam());
  const auto today = std::chrono::floor<days>(std::chrono::system_clock::now());
  std::int64_t added_tokens = 0;
  int passes = 0;
  for (int round = 0;; ++round) {
    // Each round re-sends one moved and one unmoved id (counting nothing),
    // replaces one with an earlier-accepted copy, and adds one new event.
    const int id = 101 + (round * 97) % (kRows - 100);
    std::vector<Event> batch = {MakeEvent("old-" + std::to_string(id), 3, 1'000'000),
                                MakeEvent("old-" + std::to_string(kRows - round), 3, 1'000'000),
                                MakeEvent("new-" + std::to_string(round), 2)};
    const std::int64_t replaced_before =
        Query("SELECT coalesce((SELECT tokens FROM events WHERE event_id = 'old-" + std::to_string(200 + round) +
              "'), (SELECT tokens FROM events_unpartitioned WHERE event_id = 'old-" + std::to_string(200 + round) +
              "'))");
    batch.push_back(MakeEvent("old-" + std::to_string(200 + round), 50, 0));
    batch.back().accept_seq = 1;  // accepted before every copy of the old ledger
    batch.back().received_at_ms = 0;
    Result<CommitOutcome> outcome = store.CommitBatch(batch);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    EXPECT_EQ(outcome->inserted, 1u) << "round " << round;
    added_tokens += 2 + 50 - replaced_before;

    const LedgerPass pass = Pass(maintainer, today, 2);
    ++passes;
    if (!pass.move_pending) break;
    ASSERT_LT(round, 100) << "the move does not end";
  }
  EXPECT_GT(passes, 5);  // batches of 300: it took several passes, each committed on its own
  EXPECT_EQ(Query("SELECT count(*) FROM events_unpartitioned"), 0);
  // Every recent row moved once; the 100 beyond the retention are gone.
  EXPECT_EQ(Query("SELECT count(*) FROM events WHERE event_id LIKE 'old-%'"), kRows - 100);
  EXPECT_EQ(Query("SELECT count(*) - count(DISTINCT (tenant_id, event_id)) FROM events"), 0);
  EXPECT_EQ(Query("SELECT sum(tokens) FROM usage_day"), tokens_before + added_tokens);
}

}  // namespace
}  // namespace flagmeter
