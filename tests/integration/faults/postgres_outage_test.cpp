// PostgreSQL down under load, then back: ingest keeps answering 201 (the
// events wait in Valkey), the workers drain by themselves once it is back,
// and the count is exact. Stopped cleanly for 20 s, and killed (a crash:
// commits in flight may have happened or not, and the workers cannot know).
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "fault_stack.hpp"
#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/load_driver.hpp"
#include "support/test_postgres_server.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

// Polls GET /api/health until it names `service` as `state`; "" then, else the last answer.
std::string WaitForHealth(int port, const std::string& service, const std::string& state) {
  HttpClient client(port);
  HttpResult health;
  for (int attempt = 0; attempt < 50; ++attempt) {
    health = client.Get("/api/health");
    if (health.Json()["services"].value(service, "") == state) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return std::to_string(health.status) + " " + health.body;
}

// The test's own cluster: stopping the shared server would break other tests.
class PostgresOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = postgres_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    ASSERT_TRUE(valkey_.Start().ok());
    process_ = std::make_unique<FlagmeterProcess>(std::map<std::string, std::string>{
        {"DATABASE_URL", postgres_.url()}, {"VALKEY_URL", valkey_.url()}, {"USAGE_CACHE_MS", "0"},
        {"LOG_LEVEL", "info"}});
    std::string error;
    ASSERT_TRUE(process_->Start(&error)) << error;
  }

  // After the load: drained, exact, every request answered 201.
  void ExpectExact(LoadDriver& driver) {
    auto counted = WaitForDrain({.ports = {process_->port()}, .valkey = &valkey_}, driver.tenants(),
                                std::chrono::seconds(60));
    const LoadReport report = driver.Report();
    std::cout << report.Summary();
    ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n"
                              << report.Summary() << "flagmeter log tail:\n"
                              << Tail(process_->Log()) << "\n" << postgres_.LogTail();
    std::cout << AccountingTable(report, *counted);
    EXPECT_EQ(CheckAccounting(report, *counted), "") << report.Summary() << Tail(process_->Log());
    // Ingest never depended on PostgreSQL: every request got a 201.
    EXPECT_EQ(report.CountRange(0, 200) + report.CountRange(202, 999), 0) << report.Summary()
                                                                         << Tail(process_->Log());
    EXPECT_GT(report.Count("postgres-down", 201), 0) << report.Summary();
    EXPECT_EQ(WaitForHealth(process_->port(), "database", "up"), "");
    EXPECT_EQ(process_->Stop(SIGTERM), 0) << Tail(process_->Log());
  }

  TestPostgresServer postgres_;
  TestValkey valkey_;
  std::unique_ptr<FlagmeterProcess> process_;
};

TEST_F(PostgresOutage, StoppedTwentySecondsUnderLoadIngestKeepsAnswering201AndCountsExactly) {
  LoadDriver driver({.ports = {process_->port()}, .tenant_prefix = "pgdown"});
  driver.Start();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  driver.SetPhase("postgres-down");
  const Status stopped = postgres_.Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_EQ(WaitForHealth(process_->port(), "database", "down"), "");
  std::this_thread::sleep_for(std::chrono::seconds(20));
  const Status restarted = postgres_.Start();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  driver.SetPhase("recovered");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  driver.Stop();
  ExpectExact(driver);
}

TEST_F(PostgresOutage, KilledUnderLoadThenRestartedCountsExactly) {
  LoadDriver driver({.ports = {process_->port()}, .tenant_prefix = "pgkill"});
  driver.Start();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  driver.SetPhase("postgres-down");
  postgres_.Kill();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const Status restarted = postgres_.Start();  // runs crash recovery
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  driver.SetPhase("recovered");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  driver.Stop();
  ExpectExact(driver);
}

}  // namespace
}  // namespace flagmeter::test
