// Reads from a real streaming hot standby (pg_basebackup -R of the test's
// own primary): the reads that may lag are served by it while its lag is
// within the bound, go to the primary when it is stopped or lags beyond the
// bound, and come back when it recovers. The standby is told apart from the
// primary by pausing its replay: a commit on the primary is then invisible on
// the standby only.
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/store/migrations.hpp"
#include "flagmeter/store/pg_event_store.hpp"
#include "flagmeter/store/pg_replica_lag.hpp"
#include "flagmeter/store/pg_usage_reader.hpp"
#include "flagmeter/store/read_route.hpp"
#include "flagmeter/store/routed_readers.hpp"
#include "flagmeter/store/tenant_pg_stores.hpp"
#include "support/test_postgres_server.hpp"

namespace flagmeter {
namespace {

using std::chrono::milliseconds;

std::int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void Execute(const std::string& url, const std::string& sql) {
  pqxx::connection connection(url);
  pqxx::nontransaction tx(connection);
  tx.exec(sql);
}

// The value of the sample line `series` (name and labels as exported).
std::optional<double> Sample(const Metrics& metrics, const std::string& series) {
  std::istringstream lines(metrics.Serialize());
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, series.size() + 1, series + " ") == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// One primary and its standby for the whole suite (cloning takes a second or
// two); each test leaves the standby running, replaying and caught up.
class ReadReplicaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    primary_ = new test::TestPostgresServer();
    standby_ = new test::TestPostgresServer();
    setup_error_ = StartServers();
  }
  static void TearDownTestSuite() {
    delete standby_;
    delete primary_;
  }
  static std::string StartServers() {
    if (Status s = primary_->Start(); !s.ok()) return s.ToString();
    if (Status s = ApplyMigrations(primary_->url(), EmbeddedMigrations()); !s.ok()) return s.ToString();
    if (Status s = standby_->CloneAsStandbyOf(*primary_); !s.ok()) return s.ToString();
    if (Status s = standby_->Start(); !s.ok()) return s.ToString();
    return "";
  }

  void SetUp() override { ASSERT_EQ(setup_error_, ""); }

  void Commit(const std::string& tenant, const std::string& id, std::int64_t tokens) {
    PgEventStore store(primary_->url());
    const std::int64_t now = NowMs();
    Result<CommitOutcome> outcome = store.CommitBatch({Event{id, tenant, "gpt", tokens, now, now}});
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  }

  // Waits until the standby has replayed everything the primary wrote.
  void WaitForReplay() {
    pqxx::connection primary(primary_->url());
    const std::string lsn =
        pqxx::nontransaction(primary).exec1("SELECT pg_current_wal_lsn()::text")[0].as<std::string>();
    for (int attempt = 0; attempt < 500; ++attempt) {
      try {
        pqxx::connection connection(standby_->url());
        pqxx::nontransaction tx(connection);
        if (tx.exec1("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")[0].as<bool>()) return;
      } catch (const std::exception&) {
        // Still starting.
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    FAIL() << "the standby did not replay up to " << lsn << "\n" << standby_->LogTail();
  }

  // What the monitor thread does every second.
  void Check() { route_->Observe(lag_.Measure()); }

  // Checks until reads are on the standby (a check can catch it replaying
  // WAL the primary wrote on its own) or 2 s went by; then the lag gauge.
  double CheckUntilOnStandby() {
    for (int attempt = 0; attempt < 40 && (Check(), !route_->UseReplica()); ++attempt) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    return Sample(metrics_, "flagmeter_database_replica_lag_seconds").value_or(-1);
  }

  std::int64_t Tokens(UsageReader& reader, const std::string& tenant) {
    Result<TenantUsage> usage = reader.ReadUsage(tenant, NowMs());
    EXPECT_TRUE(usage.ok()) << usage.status().ToString();
    return usage.ok() ? static_cast<std::int64_t>(usage->total_tokens) : -1;
  }

  double Fallbacks(const std::string& reason) {
    return Sample(metrics_, "flagmeter_database_read_fallbacks_total{reason=\"" + reason + "\"}").value_or(-1);
  }

  RoutedUsageReader RoutedReader() {
    return RoutedUsageReader(std::make_unique<PgUsageReader>(primary_->url()),
                             std::make_unique<PgUsageReader>(standby_->url()), *route_);
  }

  // Before any reader is made: they hold the route.
  void SetBound(milliseconds max_lag) { route_ = std::make_unique<ReadRoute>(max_lag, &metrics_); }

  static inline test::TestPostgresServer* primary_ = nullptr;
  static inline test::TestPostgresServer* standby_ = nullptr;
  static inline std::string setup_error_;

  Metrics metrics_;
  std::unique_ptr<ReadRoute> route_ = std::make_unique<ReadRoute>(milliseconds(60'000), &metrics_);
  PgReplicaLag lag_{standby_->url()};
};

TEST_F(ReadReplicaTest, ReadsWithinTheBoundAreServedByTheStandby) {
  ASSERT_NO_FATAL_FAILURE(Commit("served", "1", 100));
  ASSERT_NO_FATAL_FAILURE(WaitForReplay());
  EXPECT_LT(CheckUntilOnStandby(), 0.5);
  ASSERT_TRUE(route_->UseReplica());
  EXPECT_EQ(Sample(metrics_, "flagmeter_database_read_fallback"), 0);

  Execute(standby_->url(), "SELECT pg_wal_replay_pause()");
  ASSERT_NO_FATAL_FAILURE(Commit("served", "2", 50));
  std::this_thread::sleep_for(milliseconds(200));  // the commit reaches the standby, unreplayed
  Check();
  ASSERT_TRUE(route_->UseReplica()) << "lag " << *Sample(metrics_, "flagmeter_database_replica_lag_seconds");
  const double lag = *Sample(metrics_, "flagmeter_database_replica_lag_seconds");
  EXPECT_GT(lag, 0.0);
  EXPECT_LT(lag, 60.0);

  // The standby's answers miss the second commit; the primary's have it.
  RoutedUsageReader usage = RoutedReader();
  PgUsageReader primary_usage(primary_->url());
  EXPECT_EQ(Tokens(usage, "served"), 100);
  EXPECT_EQ(Tokens(primary_usage, "served"), 150);

  RoutedTenantStore tenants(std::make_unique<PgTenantStore>(primary_->url()),
                            std::make_unique<PgTenantStore>(standby_->url()), *route_);
  Result<TenantOverviewPage> page = tenants.ListTenants(NowMs(), TenantPageRequest{std::nullopt, 100});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  std::int64_t listed = -1;
  for (const TenantOverview& tenant : page->tenants) {
    if (tenant.tenant_name == "served") listed = static_cast<std::int64_t>(tenant.total_tokens);
  }
  EXPECT_EQ(listed, 100);

  RoutedUsageHistory history(std::make_unique<PgUsageHistory>(primary_->url()),
                             std::make_unique<PgUsageHistory>(standby_->url()), *route_);
  Result<DashboardSnapshot> dashboard = history.ReadDashboard(NowMs(), 5, TenantPageRequest{std::nullopt, 100});
  ASSERT_TRUE(dashboard.ok()) << dashboard.status().ToString();
  std::int64_t on_dashboard = -1;
  for (const DashboardTenant& tenant : dashboard->tenants) {
    if (tenant.usage.tenant_name == "served") on_dashboard = static_cast<std::int64_t>(tenant.usage.total_tokens);
  }
  EXPECT_EQ(on_dashboard, 100);

  // Resumed: the standby catches up and serves the second commit too.
  Execute(standby_->url(), "SELECT pg_wal_replay_resume()");
  ASSERT_NO_FATAL_FAILURE(WaitForReplay());
  CheckUntilOnStandby();
  EXPECT_TRUE(route_->UseReplica());
  EXPECT_EQ(Tokens(usage, "served"), 150);
  EXPECT_EQ(Fallbacks("lagging") + Fallbacks("unreachable") + Fallbacks("not_standby"), 0);
}

TEST_F(ReadReplicaTest, ALagBeyondTheBoundSendsReadsToThePrimaryUntilItShrinks) {
  SetBound(milliseconds(300));
  ASSERT_NO_FATAL_FAILURE(Commit("lagging", "1", 10));
  ASSERT_NO_FATAL_FAILURE(WaitForReplay());
  CheckUntilOnStandby();
  ASSERT_TRUE(route_->UseReplica());

  Execute(standby_->url(), "SELECT pg_wal_replay_pause()");
  ASSERT_NO_FATAL_FAILURE(Commit("lagging", "2", 5));
  RoutedUsageReader usage = RoutedReader();
  EXPECT_EQ(Tokens(usage, "lagging"), 10);  // within the bound still: the standby's answer
  std::this_thread::sleep_for(milliseconds(600));
  Check();
  EXPECT_FALSE(route_->UseReplica());
  const double lag = *Sample(metrics_, "flagmeter_database_replica_lag_seconds");
  EXPECT_GE(lag, 0.6);
  EXPECT_LT(lag, 60.0);
  EXPECT_EQ(Sample(metrics_, "flagmeter_database_read_fallback"), 1);
  EXPECT_EQ(Fallbacks("lagging"), 1);
  EXPECT_EQ(Tokens(usage, "lagging"), 15);  // the primary's
  Check();  // still lagging: one stay on the primary, one count
  EXPECT_EQ(Fallbacks("lagging"), 1);

  Execute(standby_->url(), "SELECT pg_wal_replay_resume()");
  ASSERT_NO_FATAL_FAILURE(WaitForReplay());
  EXPECT_LT(CheckUntilOnStandby(), 0.3);
  EXPECT_TRUE(route_->UseReplica());
  EXPECT_EQ(Sample(metrics_, "flagmeter_database_read_fallback"), 0);
  EXPECT_EQ(Tokens(usage, "lagging"), 15);
}

TEST_F(ReadReplicaTest, AStoppedStandbySendsReadsToThePrimaryAndTheyReturnWhenItRestarts) {
  ASSERT_NO_FATAL_FAILURE(Commit("stopped", "1", 7));
  ASSERT_NO_FATAL_FAILURE(WaitForReplay());
  CheckUntilOnStandby();
  ASSERT_TRUE(route_->UseReplica());
  RoutedUsageReader usage = RoutedReader();
  EXPECT_EQ(Tokens(usage, "stopped"), 7);

  ASSERT_TRUE(standby_->Stop().ok());
  // Before any check notices: the read fails on the standby, is answered by
  // the primary, and moves the route there.
  EXPECT_EQ(Tokens(usage, "stopped"), 7);
  EXPECT_FALSE(route_->UseReplica());
  EXPECT_EQ(Fallbacks("unreachable"), 1);
  Check();
  EXPECT_FALSE(route_->UseReplica());
  EXPECT_EQ(Sample(metrics_, "flagmeter_database_read_fallback"), 1);
  ASSERT_NO_FATAL_FAILURE(Commit("stopped", "2", 3));
  EXPECT_EQ(Tokens(usage, "stopped"), 10);

  const Status restarted = standby_->Start();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  ASSERT_NO_FATAL_FAILURE(WaitForReplay());
  CheckUntilOnStandby();
  EXPECT_TRUE(route_->UseReplica());
  EXPECT_EQ(Sample(metrics_, "flagmeter_database_read_fallback"), 0);
  EXPECT_EQ(Tokens(usage, "stopped"), 10);
  EXPECT_EQ(Fallbacks("unreachable"), 1);
}

TEST_F(ReadReplicaTest, APrimaryGivenAsTheStandbyIsNotUsed) {
  PgReplicaLag not_a_standby(primary_->url());
  route_->Observe(not_a_standby.Measure());
  EXPECT_FALSE(route_->UseReplica());
  EXPECT_EQ(Fallbacks("not_standby"), 1);
}

}  // namespace
}  // namespace flagmeter
