#include "flagmeter/store/pg_event_store.hpp"

#include <chrono>
#include <limits>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "flagmeter/core/civil_time.hpp"
#include "flagmeter/ingest/event_parser.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

using test::QueryInt64;

std::int64_t UtcMs(std::int64_t year, int month, int day, int hour = 0, int minute = 0) {
  return DaysFromCivil({year, month, day}) * kMillisPerDay + (hour * 60 + minute) * 60'000;
}

const std::int64_t kNoon = UtcMs(2026, 3, 20, 12);

Event MakeEvent(std::string id, std::string tenant, std::string feature, std::int64_t tokens,
                std::int64_t occurred_at_ms = kNoon) {
  return Event{std::move(id), std::move(tenant), std::move(feature), tokens, occurred_at_ms,
               occurred_at_ms + 5};
}

// Rows of a rollup whose tokens or event count differ from the raw events'.
std::string RollupMismatchSql(const std::string& table, const std::string& bucket,
                              const std::string& unit) {
  return "SELECT count(*) FROM (SELECT tenant_id, feature, date_trunc('" + unit +
         "', occurred_at, 'UTC') AS b, sum(tokens) AS t, count(*) AS c FROM events GROUP BY 1, 2, "
         "3) e FULL JOIN " + table + " r ON r.tenant_id = e.tenant_id AND r.feature = e.feature "
         "AND r." + bucket + " = e.b WHERE r.tokens IS DISTINCT FROM e.t OR r.events IS DISTINCT "
         "FROM e.c";
}

// Its TEST_Ps run with one statement per batch and with one per tenant of the
// batch (COMMIT_PER_TENANT): the commit path behaves the same in both.
class PgEventStoreTest : public test::MigratedPostgresTest, public testing::WithParamInterface<CommitStatements> {
 protected:
  std::int64_t Count(const std::string& table) {
    return QueryInt64(database_url(), "SELECT count(*) FROM " + table);
  }
  std::int64_t RolledUpTokens(const std::string& table) {
    return QueryInt64(database_url(), "SELECT sum(tokens) FROM " + table);
  }
  void ExpectRollupsMatchEvents() {
    EXPECT_EQ(QueryInt64(database_url(), RollupMismatchSql("usage_minute", "minute", "minute")), 0);
    EXPECT_EQ(QueryInt64(database_url(), RollupMismatchSql("usage_hour", "hour", "hour")), 0);
    EXPECT_EQ(QueryInt64(database_url(), RollupMismatchSql("usage_day", "day", "day")), 0);
  }
};

INSTANTIATE_TEST_SUITE_P(Statements, PgEventStoreTest,
                         testing::Values(CommitStatements::kOnePerBatch, CommitStatements::kOnePerTenant),
                         [](const testing::TestParamInfo<CommitStatements>& info) {
                           return info.param == CommitStatements::kOnePerBatch ? "OnePerBatch" : "OnePerTenant";
                         });

constexpr int kWindowDays = PgEventStore::kDefaultIdempotencyWindowDays;

TEST_F(PgEventStoreTest, EmptyBatchCommitsNothing) {
  PgEventStore store(database_url());
  Result<CommitOutcome> outcome = store.CommitBatch({});
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->inserted, 0u);
  EXPECT_EQ(outcome->duplicates, 0u);
}

TEST_P(PgEventStoreTest, CreatesTenantsAndStoresEvents) {
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  Result<CommitOutcome> outcome = store.CommitBatch(
      {MakeEvent("e1", "acme", "gpt", 10), MakeEvent("e2", "acme", "gpt", 20),
       MakeEvent("e1", "globex", "claude", 7)});
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->inserted, 3u);
  EXPECT_EQ(outcome->duplicates, 0u);

  EXPECT_EQ(Count("tenants"), 2);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT count(*) FROM tenants WHERE monthly_quota = "
                                       "1000000000 AND billing_day = 1"),
            2);
  EXPECT_EQ(Count("events"), 3);
  EXPECT_EQ(QueryInt64(database_url(),
                       "SELECT (extract(epoch FROM occurred_at) * 1000)::bigint FROM events "
                       "WHERE event_id = 'e2'"),
            kNoon);
  EXPECT_EQ(QueryInt64(database_url(),
                       "SELECT (extract(epoch FROM received_at) * 1000)::bigint FROM events "
                       "WHERE event_id = 'e2'"),
            kNoon + 5);
  ExpectRollupsMatchEvents();
}

TEST_P(PgEventStoreTest, RollupsEqualEventSums) {
  std::vector<Event> batch;
  std::int64_t total = 0;
  for (int i = 0; i < 600; ++i) {
    // Spread over 3 tenants, 4 features, minutes and days, before 1970 too.
    const std::int64_t at = i % 50 == 0 ? -90'000 - i : kNoon + (i % 7) * 3'600'000 * 11 + i * 1'000;
    batch.push_back(MakeEvent("id-" + std::to_string(i), "t" + std::to_string(i % 3),
                              "f" + std::to_string(i % 4), 1 + i * 37, at));
    total += 1 + i * 37;
  }
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  Result<CommitOutcome> outcome = store.CommitBatch(batch);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->inserted, 600u);
  EXPECT_EQ(RolledUpTokens("usage_minute"), total);
  EXPECT_EQ(RolledUpTokens("usage_day"), total);
  EXPECT_EQ(RolledUpTokens("usage_hour"), total);
  EXPECT_GT(Count("usage_day"), 12);  // more than one day per (tenant, feature)
  ExpectRollupsMatchEvents();
}

TEST_P(PgEventStoreTest, ReplayedBatchCountsNothingTwice) {
  const std::vector<Event> batch = {MakeEvent("a", "acme", "gpt", 10),
                                    MakeEvent("b", "acme", "gpt", 20),
                                    MakeEvent("c", "acme", "bert", 30)};
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  ASSERT_TRUE(store.CommitBatch(batch).ok());

  Result<CommitOutcome> replay = store.CommitBatch(batch);
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(replay->inserted, 0u);
  EXPECT_EQ(replay->duplicates, 3u);

  // A fresh store (another worker, or after a restart) knows no tenants yet.
  PgEventStore other(database_url(), nullptr, kWindowDays, GetParam());
  Result<CommitOutcome> elsewhere = other.CommitBatch(batch);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status().ToString();
  EXPECT_EQ(elsewhere->inserted, 0u);

  EXPECT_EQ(Count("events"), 3);
  EXPECT_EQ(RolledUpTokens("usage_minute"), 60);
  EXPECT_EQ(RolledUpTokens("usage_day"), 60);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(events) FROM usage_day"), 3);
}

// Events go in with a plain INSERT; a stored id fails it, and the batch runs
// again with the insert that skips stored ids, as do the batches after it,
// kSkipStoredBatchesAfterStoredId in all, before the plain insert is tried
// again. Whichever insert a batch takes, each id counts once.
TEST_P(PgEventStoreTest, AStoredIdSendsTheBatchAndTheNextOnesThroughTheInsertThatSkipsStoredIds) {
  constexpr int kSkipping = PgEventStore::kSkipStoredBatchesAfterStoredId;
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  ASSERT_TRUE(store.CommitBatch({MakeEvent("a", "acme", "gpt", 10), MakeEvent("c", "globex", "gpt", 30)}).ok());
  ASSERT_TRUE(store.CommitBatch({MakeEvent("b", "acme", "gpt", 20)}).ok());
  EXPECT_EQ(store.stored_id_reruns(), 0u);

  Result<CommitOutcome> resent = store.CommitBatch(
      {MakeEvent("d", "acme", "gpt", 40), MakeEvent("a", "acme", "gpt", 99), MakeEvent("e", "globex", "gpt", 50)});
  ASSERT_TRUE(resent.ok()) << resent.status().ToString();
  EXPECT_EQ(resent->inserted, 2u);
  EXPECT_EQ(resent->duplicates, 1u);
  EXPECT_EQ(store.stored_id_reruns(), 1u);

  // The rest of the batches that skip stored ids: re-sent ids cost no rerun.
  for (int batch = 1; batch < kSkipping; ++batch) {
    Result<CommitOutcome> outcome =
        store.CommitBatch({MakeEvent("a", "acme", "gpt", 99), MakeEvent("n" + std::to_string(batch), "acme", "gpt", 1)});
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    EXPECT_EQ(outcome->inserted, 1u);
  }
  EXPECT_EQ(store.stored_id_reruns(), 1u);

  // Then the plain insert again: it meets the stored id once more.
  const std::uint64_t statements = store.commit_statements_run();
  Result<CommitOutcome> again = store.CommitBatch({MakeEvent("b", "acme", "gpt", 99)});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(store.stored_id_reruns(), 2u);
  EXPECT_EQ(store.commit_statements_run(), statements + 2);

  EXPECT_EQ(Count("events"), 5 + (kSkipping - 1));
  EXPECT_EQ(RolledUpTokens("usage_day"), 150 + (kSkipping - 1));
  EXPECT_EQ(QueryInt64(database_url(), "SELECT tokens FROM events WHERE event_id = 'a'"), 10);
  ExpectRollupsMatchEvents();
}

TEST_P(PgEventStoreTest, FirstOccurrenceWithinBatchWins) {
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  Result<CommitOutcome> outcome = store.CommitBatch(
      {MakeEvent("x", "acme", "gpt", 5), MakeEvent("x", "acme", "bert", 7),
       MakeEvent("y", "acme", "gpt", 1), MakeEvent("x", "globex", "gpt", 2)});
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->inserted, 3u);
  EXPECT_EQ(outcome->duplicates, 1u);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT tokens FROM events e JOIN tenants t ON t.id = "
                                       "e.tenant_id WHERE t.name = 'acme' AND event_id = 'x'"),
            5);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT count(*) FROM usage_day WHERE feature = 'bert'"), 0);
  EXPECT_EQ(RolledUpTokens("usage_day"), 8);
}

TEST_P(PgEventStoreTest, EventIsCountedInItsOwnMinuteAndDay) {
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  const std::int64_t last_month = UtcMs(2026, 2, 27, 23, 59) + 59'999;
  ASSERT_TRUE(store.CommitBatch({MakeEvent("old", "acme", "gpt", 9, last_month),
                                 MakeEvent("new", "acme", "gpt", 4)})
                  .ok());
  EXPECT_EQ(QueryInt64(database_url(),
                       "SELECT tokens FROM usage_minute WHERE minute = '2026-02-27 23:59:00Z'"),
            9);
  EXPECT_EQ(QueryInt64(database_url(),
                       "SELECT tokens FROM usage_day WHERE day = '2026-02-27 00:00:00Z'"),
            9);
  EXPECT_EQ(QueryInt64(database_url(),
                       "SELECT tokens FROM usage_day WHERE day = '2026-03-20 00:00:00Z'"),
            4);
}

// 1,200 events of 2^53 - 1 tokens in one minute, in 3 batches: a bigint
// rollup refused every batch after the 1,024th event ("bigint out of range").
TEST_F(PgEventStoreTest, RollupsHoldSumsPast2To63) {
  constexpr std::int64_t kMaxTokens = 9'007'199'254'740'991;
  PgEventStore store(database_url());
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<Event> events;
    for (int i = 0; i < 400; ++i) {
      events.push_back(MakeEvent("e" + std::to_string(batch * 400 + i), "acme", "gpt", kMaxTokens, kNoon + i));
    }
    Result<CommitOutcome> outcome = store.CommitBatch(events);
    ASSERT_TRUE(outcome.ok()) << "batch " << batch << ": " << outcome.status().ToString();
  }
  for (const char* table : {"usage_minute", "usage_hour", "usage_day"}) {
    EXPECT_EQ(QueryInt64(database_url(), std::string("SELECT (tokens = 10808639105689189200)::int FROM ") + table), 1)
        << table;
  }
  EXPECT_EQ(QueryInt64(database_url(), "SELECT events FROM usage_day"), 1200);
  ExpectRollupsMatchEvents();
}

// Whatever the API answers 201 to, the store must take: an event it refused
// would reach the dead letters although its client was told it counted.
// These are the edges of what the parser accepts.
TEST_P(PgEventStoreTest, EventsAtTheEdgesOfWhatTheParserAcceptsAreStored) {
  const std::string emoji_128_bytes = [] {
    std::string text;
    for (int i = 0; i < 32; ++i) text += "\\ud83d\\ude00";  // 4 bytes of UTF-8 each
    return text;
  }();
  const std::string body = std::string("[") +
      R"({"tenant":")" + emoji_128_bytes + R"(","feature":"\uffff\udbff\udfff\u00e9\/","tokens":9007199254740991,)"
      R"("id":")" + emoji_128_bytes + R"(","timestamp":"0000-01-01T00:00:00+23:59"},)"
      R"({"tenant":"a","feature":"b","tokens":1,"id":"\u007e \"'\\","timestamp":"1969-12-31T23:59:59.999999-00:00"},)"
      R"({"tenant":"a","feature":"b","tokens":9007199254740991,"timestamp":"2026-03-20T12:04:59.999+00:00"}])";
  ParseOptions options;
  options.now_ms = kNoon;
  // The store is held to the limits of the timestamp format itself, far
  // beyond any idempotency window the service would accept.
  options.max_past_ms = std::numeric_limits<std::int64_t>::max() / 2;
  auto parsed = ParseEvents(body, options);
  ASSERT_TRUE(std::holds_alternative<ParsedEvents>(parsed)) << std::get<std::vector<FieldError>>(parsed)[0].message;
  const std::vector<Event>& events = std::get<ParsedEvents>(parsed).events;
  ASSERT_EQ(events.size(), 3u);
  ASSERT_EQ(events[0].tenant.size(), 128u);
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  Result<CommitOutcome> outcome = store.CommitBatch(events);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->inserted, 3u);
  ExpectRollupsMatchEvents();
}

TEST_P(PgEventStoreTest, RefusedDataIsInvalidArgumentAndCommitsNothing) {
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  Result<CommitOutcome> outcome = store.CommitBatch(
      {MakeEvent("good", "acme", "gpt", 5), MakeEvent("poison", "acme", "gpt", 0)});
  ASSERT_EQ(outcome.status().code(), Status::Code::kInvalidArgument)
      << outcome.status().ToString();
  EXPECT_NE(outcome.status().message().find("store: commit batch of 2 events"), std::string::npos)
      << outcome.status().message();
  EXPECT_NE(outcome.status().message().find("events_tokens_check"), std::string::npos)
      << outcome.status().message();
  EXPECT_EQ(Count("events"), 0);
  EXPECT_EQ(Count("tenants"), 0);

  // The connection is still usable for the next batch.
  Result<CommitOutcome> next = store.CommitBatch({MakeEvent("good", "acme", "gpt", 5)});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->inserted, 1u);
}

TEST_F(PgEventStoreTest, TextThePostgresCannotHoldIsInvalidArgument) {
  PgEventStore store(database_url());
  Result<CommitOutcome> utf8 = store.CommitBatch({MakeEvent("e", "acme", "bad\xff", 5)});
  EXPECT_EQ(utf8.status().code(), Status::Code::kInvalidArgument) << utf8.status().ToString();
  Result<CommitOutcome> nul =
      store.CommitBatch({MakeEvent("e", "acme", std::string("nul\0byte", 8), 5)});
  EXPECT_EQ(nul.status().code(), Status::Code::kInvalidArgument) << nul.status().ToString();
  EXPECT_EQ(Count("events"), 0);
}

TEST_P(PgEventStoreTest, StoresNamesVerbatim) {
  const std::string tenant = "quo\"te back\\slash \xc3\xbc \xf0\x9f\x98\x80 '; DROP TABLE x";
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  ASSERT_TRUE(store.CommitBatch({MakeEvent("id\"1", tenant, "f/\u00e9", 9'007'199'254'740'991)}).ok());
  EXPECT_EQ(QueryInt64(database_url(),
                       "SELECT count(*) FROM tenants WHERE name = 'quo\"te back\\slash "
                       "\xc3\xbc \xf0\x9f\x98\x80 ''; DROP TABLE x'"),
            1);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT tokens FROM events WHERE event_id = 'id\"1' AND "
                                       "feature = 'f/\u00e9'"),
            9'007'199'254'740'991);
}

TEST_P(PgEventStoreTest, MissingTenantRowIsInternalAndCommitsNothing) {
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  ASSERT_TRUE(store.CommitBatch({MakeEvent("1", "acme", "gpt", 5)}).ok());
  // Tenants are never deleted in service; here one is, behind the store's back.
  QueryInt64(database_url(),
             "WITH e AS (DELETE FROM events), m AS (DELETE FROM usage_minute), h AS (DELETE FROM usage_hour), "
             "d AS (DELETE FROM usage_day) DELETE FROM tenants RETURNING 0");

  Result<CommitOutcome> outcome = store.CommitBatch({MakeEvent("2", "acme", "gpt", 5)});
  ASSERT_EQ(outcome.status().code(), Status::Code::kInternal) << outcome.status().ToString();
  EXPECT_NE(outcome.status().message().find("matched no tenant"), std::string::npos)
      << outcome.status().message();
  EXPECT_EQ(Count("events"), 0);

  Result<CommitOutcome> retried = store.CommitBatch({MakeEvent("2", "acme", "gpt", 5)});
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->inserted, 1u);
}

TEST_F(PgEventStoreTest, ReconnectsAfterTheServerDropsTheConnection) {
  PgEventStore store(database_url());
  ASSERT_TRUE(store.CommitBatch({MakeEvent("1", "acme", "gpt", 5)}).ok());
  ASSERT_GE(QueryInt64(database_url(), "SELECT count(pg_terminate_backend(pid)) FROM "
                                       "pg_stat_activity WHERE datname = current_database() AND "
                                       "pid <> pg_backend_pid()"),
            1);
  Result<CommitOutcome> outcome = store.CommitBatch({MakeEvent("2", "acme", "gpt", 5)});
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->inserted, 1u);
}

TEST(PgEventStoreDownTest, UnreachableDatabaseIsUnavailable) {
  PgEventStore store(test::UnreachableDatabaseUrl());
  Result<CommitOutcome> outcome = store.CommitBatch({MakeEvent("1", "acme", "gpt", 5)});
  ASSERT_EQ(outcome.status().code(), Status::Code::kUnavailable) << outcome.status().ToString();
  EXPECT_NE(outcome.status().message().find("store: commit batch of 1 events"), std::string::npos)
      << outcome.status().message();
}

}  // namespace
}  // namespace flagmeter

namespace flagmeter {
namespace {

// Two copies of one id committed by different batches, the later-accepted
// copy first: the earlier-accepted one's values end up counted.
TEST_P(PgEventStoreTest, TheFirstAcceptedCopyWinsAcrossBatches) {
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  Event later = MakeEvent("order-1", "acme", "later", 5);
  later.accept_seq = 10;
  Event first = MakeEvent("order-1", "acme", "first", 777);
  first.accept_seq = 2;
  Event even_later = MakeEvent("order-1", "acme", "latest", 9);
  even_later.accept_seq = 11;
  ASSERT_TRUE(store.CommitBatch({later}).ok());
  Result<CommitOutcome> replaced = store.CommitBatch({first});
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->inserted, 0u);
  ASSERT_TRUE(store.CommitBatch({even_later}).ok());
  EXPECT_EQ(QueryInt64(database_url(), "SELECT tokens FROM events WHERE event_id = 'order-1'"), 777);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(tokens) FROM usage_day"), 777);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(events) FROM usage_minute"), 1);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(tokens) FROM usage_minute WHERE feature = 'first'"), 777);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(tokens) FROM usage_minute WHERE feature = 'later'"), 0);
}

}  // namespace
}  // namespace flagmeter

namespace flagmeter {
namespace {

// A copy numbered before the stored one although it arrived minutes later
// can only come from numbering that went backwards: the stored copy stays
// counted and the regression is reported. Within the clock-skew allowance the
// lower number still wins.
TEST_P(PgEventStoreTest, ALowerNumberThatArrivedMuchLaterDoesNotReplaceTheStoredCopy) {
  PgEventStore store(database_url(), nullptr, kWindowDays, GetParam());
  Event stored = MakeEvent("order-9", "acme", "stored", 40);
  stored.accept_seq = 1'000;
  Event backwards = MakeEvent("order-9", "acme", "backwards", 99);
  backwards.accept_seq = 3;
  backwards.received_at_ms = stored.received_at_ms + 5 * 60'000;
  ASSERT_TRUE(store.CommitBatch({stored}).ok());
  Result<CommitOutcome> outcome = store.CommitBatch({backwards});
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->duplicates, 1u);
  EXPECT_EQ(outcome->sequence_regressions, 1u);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(tokens) FROM usage_day"), 40);

  Event skewed = MakeEvent("order-9", "acme", "skewed", 7);
  skewed.accept_seq = 2;
  skewed.received_at_ms = stored.received_at_ms + 30'000;  // within a minute: clocks may differ that much
  outcome = store.CommitBatch({skewed});
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->sequence_regressions, 0u);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(tokens) FROM usage_day"), 7);
}

}  // namespace
}  // namespace flagmeter
