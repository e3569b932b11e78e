// The flagmeter binary with DATABASE_READ_URL on a real streaming hot
// standby of its primary: usage reads come from the standby (a commit the
// paused standby has not replayed is not in them), the monitor thread's
// check exports the lag, and when the standby stops the reads come from the
// primary without a failed request.
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/metric_sum.hpp"
#include "support/test_postgres_server.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

using std::chrono::milliseconds;

void Execute(const std::string& url, const std::string& sql) {
  pqxx::connection connection(url);
  pqxx::nontransaction tx(connection);
  tx.exec(sql);
}

class ReadReplicaProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(valkey_.Start().ok());
    Status status = primary_.Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    status = standby_.CloneAsStandbyOf(primary_);
    ASSERT_TRUE(status.ok()) << status.ToString();
    status = standby_.Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    process_ = std::make_unique<FlagmeterProcess>(std::map<std::string, std::string>{
        {"DATABASE_URL", primary_.url()}, {"DATABASE_READ_URL", standby_.url()}, {"MAX_READ_LAG_MS", "60000"},
        {"VALKEY_URL", valkey_.url()}, {"USAGE_CACHE_MS", "0"}, {"LOG_LEVEL", "info"}});
    std::string error;
    ASSERT_TRUE(process_->Start(&error)) << error;
  }

  // The tenant's totalTokens as the service answers, -1 for anything but 200.
  std::int64_t Usage(const std::string& tenant) {
    const HttpResult usage = HttpClient(process_->port()).Get("/api/usage/" + tenant);
    return usage.status == 200 ? usage.Json().value("totalTokens", std::int64_t{-1}) : -1;
  }

  // Polls until the service answers `tokens` for `tenant` (10 s at most).
  ::testing::AssertionResult UsageBecomes(const std::string& tenant, std::int64_t tokens) {
    std::int64_t seen = -1;
    for (int attempt = 0; attempt < 200; ++attempt) {
      if ((seen = Usage(tenant)) == tokens) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(milliseconds(50));
    }
    return ::testing::AssertionFailure() << "usage of " << tenant << " stayed " << seen << ", not " << tokens
                                         << "\n" << process_->Log();
  }

  // Polls the primary until the tenant's rollups hold `tokens` (10 s at most).
  ::testing::AssertionResult CommittedOnPrimary(const std::string& tenant, std::int64_t tokens) {
    std::int64_t seen = -1;
    for (int attempt = 0; attempt < 200; ++attempt) {
      pqxx::connection connection(primary_.url());
      pqxx::nontransaction tx(connection);
      seen = tx.exec1("SELECT coalesce(sum(d.tokens), 0)::bigint FROM usage_day d JOIN tenants t ON t.id = d.tenant_id "
                      "WHERE t.name = " + tx.quote(tenant))[0]
                 .as<std::int64_t>();
      if (seen == tokens) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(milliseconds(50));
    }
    return ::testing::AssertionFailure() << "the primary holds " << seen << " tokens of " << tenant;
  }

  double Metric(const std::string& series) { return MetricSum(process_->port(), series); }

  TestValkey valkey_;
  TestPostgresServer primary_;
  TestPostgresServer standby_;
  std::unique_ptr<FlagmeterProcess> process_;
};

TEST_F(ReadReplicaProcess, UsageIsReadFromTheStandbyAndFromThePrimaryOnceItStops) {
  HttpClient client(process_->port());
  ASSERT_EQ(client.PostJson("/api/events", R"({"tenant":"replica-co","feature":"gpt","tokens":100})").status, 201);
  ASSERT_TRUE(UsageBecomes("replica-co", 100));
  EXPECT_EQ(Metric("flagmeter_database_read_fallback"), 0);
  EXPECT_GE(Metric("flagmeter_database_replica_lag_seconds"), 0);
  EXPECT_LT(Metric("flagmeter_database_replica_lag_seconds"), 60);

  // Replay paused: the second event is committed on the primary, and the
  // standby that serves the reads does not have it.
  Execute(standby_.url(), "SELECT pg_wal_replay_pause()");
  ASSERT_EQ(client.PostJson("/api/events", R"({"tenant":"replica-co","feature":"gpt","tokens":50})").status, 201);
  ASSERT_TRUE(CommittedOnPrimary("replica-co", 150));
  EXPECT_EQ(Usage("replica-co"), 100);
  EXPECT_EQ(Metric("flagmeter_database_read_fallback"), 0);

  // The standby gone: the primary answers, and the monitor's check says so.
  ASSERT_TRUE(standby_.Stop().ok());
  EXPECT_EQ(Usage("replica-co"), 150);
  for (int attempt = 0; attempt < 60 && Metric("flagmeter_database_read_fallback") != 1; ++attempt) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(Metric("flagmeter_database_read_fallback"), 1);
  EXPECT_EQ(Metric("flagmeter_database_read_fallbacks_total{reason=\"unreachable\""), 1);
  EXPECT_EQ(HttpClient(process_->port()).Get("/api/health").status, 200);  // health is the primary's
  EXPECT_EQ(process_->Stop(SIGTERM), 0) << process_->Log();
}

}  // namespace
}  // namespace flagmeter::test
