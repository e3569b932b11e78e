// PgTenantAlertStore's retry schedule on a real PostgreSQL: when the next
// retry is due. "None scheduled" must stay none: the alert thread sleeps until
// its next sweep then, where "due now" would make it sweep back to back.
#include <pqxx/pqxx>

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "flagmeter/store/tenant_pg_stores.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

class PgTenantAlertStoreTest : public test::MigratedPostgresTest {
 protected:
  // The claim of a new tenant's 80 % alert, being tried (no retry scheduled).
  AlertKey ClaimAnAlert(PgTenantAlertStore& store) {
    pqxx::connection connection(database_url());
    pqxx::work work(connection);
    AlertKey key;
    key.tenant_id = work.exec1("INSERT INTO tenants (name) VALUES ('acme') RETURNING id::text")[0].as<std::string>();
    work.commit();
    key.period_start_ms = 1'767'225'600'000;  // 2026-01-01
    key.threshold = 80;
    Result<bool> mine = store.Claim(key, R"({"threshold":80})");
    EXPECT_TRUE(mine.ok()) << mine.status().ToString();
    EXPECT_TRUE(mine.ok() && *mine) << "claimed before";
    return key;
  }
};

TEST_F(PgTenantAlertStoreTest, NoRetryScheduledIsNoneNotDueNow) {
  PgTenantAlertStore store(database_url());
  Result<std::optional<std::int64_t>> empty = store.NextRetryInMs();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, std::nullopt);

  // A claim being tried has no retry scheduled either.
  const AlertKey key = ClaimAnAlert(store);
  Result<std::optional<std::int64_t>> trying = store.NextRetryInMs();
  ASSERT_TRUE(trying.ok()) << trying.status().ToString();
  EXPECT_EQ(*trying, std::nullopt);

  // Nor has one delivered after its retry had been scheduled.
  ASSERT_TRUE(store.ScheduleRetry(key, 1, "refused", 60'000).ok());
  ASSERT_TRUE(store.Record(key, DeliveryStatus::kDelivered, 2, "").ok());
  Result<std::optional<std::int64_t>> delivered = store.NextRetryInMs();
  ASSERT_TRUE(delivered.ok()) << delivered.status().ToString();
  EXPECT_EQ(*delivered, std::nullopt);
}

TEST_F(PgTenantAlertStoreTest, AScheduledRetryIsDueAfterItsDelayAndNowOnceItsTimeHasCome) {
  PgTenantAlertStore store(database_url());
  const AlertKey key = ClaimAnAlert(store);

  ASSERT_TRUE(store.ScheduleRetry(key, 1, "refused", 60'000).ok());
  Result<std::optional<std::int64_t>> later = store.NextRetryInMs();
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  ASSERT_TRUE(later->has_value());
  EXPECT_GT(**later, 50'000);
  EXPECT_LE(**later, 60'000);

  // Past due: 0, never negative.
  ASSERT_TRUE(store.ScheduleRetry(key, 2, "refused", -5'000).ok());
  Result<std::optional<std::int64_t>> due = store.NextRetryInMs();
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  EXPECT_EQ(*due, std::optional<std::int64_t>(0));
}

}  // namespace
}  // namespace flagmeter
