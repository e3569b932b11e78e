#include "flagmeter/store/pg_usage_reader.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flagmeter/core/civil_time.hpp"
#include "flagmeter/core/token_sum.hpp"
#include "flagmeter/store/pg_event_store.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

std::int64_t UtcMs(std::int64_t year, int month, int day, int hour = 0) {
  return DaysFromCivil({year, month, day}) * kMillisPerDay + hour * 3'600'000;
}

const std::int64_t kNow = UtcMs(2026, 3, 20, 12);

Event MakeEvent(std::string id, std::string tenant, std::string feature, std::int64_t tokens,
                std::int64_t occurred_at_ms = kNow) {
  return Event{std::move(id), std::move(tenant), std::move(feature), tokens, occurred_at_ms,
               occurred_at_ms};
}

class PgUsageReaderTest : public test::MigratedPostgresTest {
 protected:
  void Commit(const std::vector<Event>& events) {
    PgEventStore store(database_url());
    Result<CommitOutcome> outcome = store.CommitBatch(events);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  }
  void Execute(const std::string& sql) { test::QueryInt64(database_url(), sql + " RETURNING 0"); }
};

TEST_F(PgUsageReaderTest, UnknownTenantIsNotFound) {
  PgUsageReader reader(database_url());
  Result<TenantUsage> usage = reader.ReadUsage("nobody", kNow);
  ASSERT_EQ(usage.status().code(), Status::Code::kNotFound) << usage.status().ToString();
  EXPECT_EQ(usage.status().message(), "Tenant 'nobody' not found");
}

TEST_F(PgUsageReaderTest, SumsFeaturesMostTokensFirst) {
  ASSERT_NO_FATAL_FAILURE(Commit({MakeEvent("1", "acme", "beta", 100),
                                  MakeEvent("2", "acme", "alpha", 60),
                                  MakeEvent("3", "acme", "alpha", 40, UtcMs(2026, 3, 2)),
                                  MakeEvent("4", "acme", "gamma", 500),
                                  MakeEvent("5", "other", "gamma", 1000)}));
  PgUsageReader reader(database_url());
  Result<TenantUsage> usage = reader.ReadUsage("acme", kNow);
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();

  EXPECT_EQ(usage->tenant_name, "acme");
  EXPECT_EQ(usage->tenant_id.size(), 36u);
  EXPECT_EQ(usage->monthly_quota, 1'000'000'000);
  EXPECT_EQ(usage->billing_day, 1);
  EXPECT_EQ(usage->period_start_ms, UtcMs(2026, 3, 1));
  EXPECT_EQ(usage->period_end_ms, UtcMs(2026, 4, 1));
  EXPECT_EQ(usage->total_tokens, 700);
  ASSERT_EQ(usage->features.size(), 3u);
  // Ties on tokens are broken by name.
  EXPECT_EQ(usage->features[0].feature, "gamma");
  EXPECT_EQ(usage->features[1].feature, "alpha");
  EXPECT_EQ(usage->features[1].tokens, 100);
  EXPECT_EQ(usage->features[1].events, 2);
  EXPECT_EQ(usage->features[2].feature, "beta");
}

TEST_F(PgUsageReaderTest, CountsOnlyThePeriodOfTheBillingDay) {
  ASSERT_NO_FATAL_FAILURE(Commit({
      MakeEvent("before", "acme", "gpt", 1, UtcMs(2026, 3, 15) - 1),
      MakeEvent("first", "acme", "gpt", 10, UtcMs(2026, 3, 15)),
      MakeEvent("last", "acme", "gpt", 100, UtcMs(2026, 4, 15) - 1),
      MakeEvent("after", "acme", "gpt", 1000, UtcMs(2026, 4, 15)),
  }));
  Execute("UPDATE tenants SET billing_day = 15, monthly_quota = 5000 WHERE name = 'acme'");

  PgUsageReader reader(database_url());
  Result<TenantUsage> usage = reader.ReadUsage("acme", kNow);
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  EXPECT_EQ(usage->billing_day, 15);
  EXPECT_EQ(usage->monthly_quota, 5000);
  EXPECT_EQ(usage->period_start_ms, UtcMs(2026, 3, 15));
  EXPECT_EQ(usage->period_end_ms, UtcMs(2026, 4, 15));
  EXPECT_EQ(usage->total_tokens, 110);
}

// 600 events of 2^53 - 1 tokens on each of two days: each day's rollup stays
// below 2^63, the period's sum passes it (reading it once failed with
// "bigint out of range").
TEST_F(PgUsageReaderTest, APeriodSumPast2To63IsExact) {
  constexpr std::int64_t kMaxTokens = 9'007'199'254'740'991;
  std::vector<Event> events;
  for (int i = 0; i < 1200; ++i) {
    events.push_back(MakeEvent("e" + std::to_string(i), "acme", i % 3 == 0 ? "a" : "b", kMaxTokens,
                               i < 600 ? UtcMs(2026, 3, 19, 12) : kNow));
  }
  ASSERT_NO_FATAL_FAILURE(Commit(events));
  PgUsageReader reader(database_url());
  Result<TenantUsage> usage = reader.ReadUsage("acme", kNow);
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  EXPECT_EQ(TokenSumText(usage->total_tokens), "10808639105689189200");
  ASSERT_EQ(usage->features.size(), 2u);
  EXPECT_EQ(TokenSumText(usage->features[0].tokens), TokenSumText(static_cast<TokenSum>(kMaxTokens) * 800));
  EXPECT_EQ(TokenSumText(usage->features[1].tokens), TokenSumText(static_cast<TokenSum>(kMaxTokens) * 400));
}

TEST_F(PgUsageReaderTest, EventDatedLastMonthCountsInLastMonthOnly) {
  ASSERT_NO_FATAL_FAILURE(Commit({MakeEvent("now", "acme", "gpt", 5),
                                  MakeEvent("old", "acme", "gpt", 7, UtcMs(2026, 2, 28, 23))}));
  PgUsageReader reader(database_url());
  Result<TenantUsage> current = reader.ReadUsage("acme", kNow);
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_EQ(current->total_tokens, 5);

  Result<TenantUsage> previous = reader.ReadUsage("acme", UtcMs(2026, 2, 10));
  ASSERT_TRUE(previous.ok()) << previous.status().ToString();
  EXPECT_EQ(previous->total_tokens, 7);
}

TEST_F(PgUsageReaderTest, TenantWithoutUsageInPeriodHasNoFeatures) {
  ASSERT_NO_FATAL_FAILURE(Commit({MakeEvent("old", "acme", "gpt", 7, UtcMs(2025, 1, 1))}));
  PgUsageReader reader(database_url());
  Result<TenantUsage> usage = reader.ReadUsage("acme", kNow);
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  EXPECT_EQ(usage->total_tokens, 0);
  EXPECT_TRUE(usage->features.empty());
}

TEST_F(PgUsageReaderTest, PingAnswersAndSurvivesADroppedConnection) {
  PgUsageReader reader(database_url());
  ASSERT_TRUE(reader.Ping().ok());
  test::QueryInt64(database_url(),
                   "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
                   "current_database() AND pid <> pg_backend_pid()");
  const Status again = reader.Ping();
  EXPECT_TRUE(again.ok()) << again.ToString();
}

TEST(PgUsageReaderDownTest, UnreachableDatabaseIsUnavailable) {
  PgUsageReader reader(test::UnreachableDatabaseUrl());
  const Status ping = reader.Ping();
  EXPECT_EQ(ping.code(), Status::Code::kUnavailable) << ping.ToString();
  EXPECT_NE(ping.message().find("store: ping"), std::string::npos) << ping.message();

  Result<TenantUsage> usage = reader.ReadUsage("acme", kNow);
  EXPECT_EQ(usage.status().code(), Status::Code::kUnavailable) << usage.status().ToString();
}

}  // namespace
}  // namespace flagmeter
