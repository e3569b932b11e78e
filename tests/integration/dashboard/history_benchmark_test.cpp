// Timing of the history and dashboard reads over a month of minute rollups
// for 100 tenants x 10 features (43.2 million rows). Prints timings, asserts
// only correctness: timings depend on the machine. The default is a day of
// rollups for 20 tenants, so the suite stays quick; for the full measurement:
//   FLAGMETER_HISTORY_BENCH_DAYS=30 FLAGMETER_HISTORY_BENCH_TENANTS=100 \
//     flagmeter_dashboard_itests --gtest_filter='HistoryBenchmark.*'
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "flagmeter/core/clock.hpp"
#include "flagmeter/query/history_series.hpp"
#include "flagmeter/store/usage_history.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter::test {
namespace {

constexpr int kFeatures = 10;
constexpr std::int64_t kDayMs = 86'400'000;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

// Loads `days` of minute rollups (every minute, every feature) ending now,
// with the matching day rollups. Indexes are dropped and rebuilt around the
// load, which is much faster than maintaining them row by row.
void LoadRollups(const std::string& url, int tenants, int days) {
  pqxx::connection connection(url);
  pqxx::nontransaction tx(connection);
  tx.exec("SET maintenance_work_mem = '512MB'");
  tx.exec("SET synchronous_commit = off");
  tx.exec("INSERT INTO tenants (name) SELECT 'tenant-' || g FROM generate_series(1, " + std::to_string(tenants) + ") g");
  tx.exec("ALTER TABLE usage_minute DROP CONSTRAINT usage_minute_pkey");
  tx.exec("DROP INDEX usage_minute_tenant_minute");
  tx.exec(
      "INSERT INTO usage_minute (tenant_id, feature, minute, tokens, events) "
      "SELECT t.id, 'feature-' || f, m, 100 + f, 1 FROM tenants t, generate_series(1, " +
      std::to_string(kFeatures) + ") f, generate_series(date_trunc('minute', now()) - interval '" +
      std::to_string(days) + " days' + interval '1 minute', date_trunc('minute', now()), interval '1 minute') m");
  tx.exec("ALTER TABLE usage_minute ADD PRIMARY KEY (tenant_id, feature, minute)");
  tx.exec("CREATE INDEX usage_minute_tenant_minute ON usage_minute (tenant_id, minute)");
  tx.exec(
      "INSERT INTO usage_day (tenant_id, feature, day, tokens, events) "
      "SELECT tenant_id, feature, date_trunc('day', minute AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', sum(tokens), "
      "sum(events) FROM usage_minute GROUP BY 1, 2, 3");
  tx.exec(
      "INSERT INTO usage_hour (tenant_id, feature, hour, tokens, events) "
      "SELECT tenant_id, feature, date_trunc('hour', minute, 'UTC'), sum(tokens), sum(events) "
      "FROM usage_minute GROUP BY 1, 2, 3");
  tx.exec("VACUUM ANALYZE usage_minute");
  tx.exec("VACUUM ANALYZE usage_hour");
  tx.exec("VACUUM ANALYZE usage_day");
  tx.exec("ANALYZE tenants");
}

// Median of `runs` timings of `read`, in milliseconds.
double MedianMs(int runs, const std::function<void()>& read) {
  std::vector<double> timings;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    read();
    timings.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(timings.begin(), timings.end());
  return timings[timings.size() / 2];
}

class HistoryBenchmark : public MigratedPostgresTest {};

TEST_F(HistoryBenchmark, ReadsOverMonthsOfMinuteRollups) {
  const int tenants = EnvInt("FLAGMETER_HISTORY_BENCH_TENANTS", 20);
  const int days = EnvInt("FLAGMETER_HISTORY_BENCH_DAYS", 1);
  const auto load_start = std::chrono::steady_clock::now();
  ASSERT_NO_THROW(LoadRollups(database_url(), tenants, days));
  const std::int64_t rows = QueryInt64(database_url(), "SELECT count(*) FROM usage_minute");
  ASSERT_EQ(rows, static_cast<std::int64_t>(tenants) * kFeatures * days * 1440);
  std::cout << "loaded " << rows << " minute rollups (" << tenants << " tenants x " << kFeatures << " features x "
            << days << " days) in "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - load_start).count()
            << " s\n";

  PgUsageHistory history(database_url());
  HistoryQuery query;
  pqxx::connection connection(database_url());
  query.tenant_id = pqxx::nontransaction(connection).exec1("SELECT id::text FROM tenants WHERE name = 'tenant-1'")[0]
                        .as<std::string>();
  const std::int64_t now = NowMs() / 60'000 * 60'000;
  const auto time_read = [&](const char* what, HistoryWindow window, std::int64_t span_ms, bool by_feature) {
    Result<HistoryRange> range = AlignHistoryRange(window, now - span_ms, now);
    ASSERT_TRUE(range.ok()) << range.status().ToString();
    query.window = window;
    query.from_ms = range->from_ms;
    query.to_ms = range->to_ms;
    query.by_feature = by_feature;
    std::size_t buckets = 0;
    const double ms = MedianMs(5, [&] {
      auto read = history.ReadHistory(query);
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      buckets = read->size();
    });
    EXPECT_GT(buckets, 0u) << what;
    std::cout << "  " << what << ": " << ms << " ms median of 5 (" << buckets << " buckets)\n";
  };
  time_read("minute x 60 (last hour)", HistoryWindow::kMinute, 3'600'000, false);
  time_read("minute x 1500 (25 h)", HistoryWindow::kMinute, 1500 * 60'000LL, false);
  time_read("minute x 150, by feature (1500 points)", HistoryWindow::kMinute, 150 * 60'000LL, true);
  time_read("hour x 24 (last day)", HistoryWindow::kHour, kDayMs, false);
  time_read("hour x 720 (30 days)", HistoryWindow::kHour, 30 * kDayMs, false);
  time_read("day x 30", HistoryWindow::kDay, 30 * kDayMs, true);
  const double dashboard_ms = MedianMs(5, [&] {
    auto read = history.ReadDashboard(NowMs(), 60, TenantPageRequest{std::nullopt, tenants});
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_EQ(read->tenants.size(), static_cast<std::size_t>(tenants));
  });
  std::cout << "  dashboard (" << tenants << " tenants, period features + last hour per minute): " << dashboard_ms
            << " ms median of 5\n";
}

}  // namespace
}  // namespace flagmeter::test
