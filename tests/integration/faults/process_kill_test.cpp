// flagmeter killed with SIGKILL at random moments under load, then restarted:
// every event acknowledged with 201 is counted exactly once.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "fault_stack.hpp"
#include "support/flagmeter_process.hpp"
#include "support/load_driver.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

constexpr int kKills = 3;
constexpr int kLeaseMs = 2000;

std::size_t CountLines(const std::string& log, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++count;
  return count;
}

TEST(FlagmeterKill, SigkillUnderLoadThenRestartLosesNothingAndCountsNothingTwice) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  TestValkey& valkey = stack.valkey;
  // A short lease so the batches the killed process had claimed come back
  // within seconds instead of the default 30.
  FlagmeterProcess process(stack.Environment({{"QUEUE_LEASE_MS", std::to_string(kLeaseMs)}}));
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;

  LoadDriver driver({.ports = {process.port()}, .tenant_prefix = "kill"});
  std::mt19937 random(static_cast<unsigned>(driver.seed()));
  std::cout << "load seed " << driver.seed() << "\n";
  driver.Start();
  for (int kill = 1; kill <= kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000 + random() % 3000));
    const std::int64_t acknowledged = driver.acknowledged_events();
    ASSERT_EQ(process.Stop(SIGKILL), 128 + SIGKILL);
    std::cout << "kill " << kill << " after " << acknowledged << " acknowledged events\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + random() % 500));
    ASSERT_TRUE(process.Start(&error)) << "restart " << kill << ": " << error;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  driver.Stop();
  driver.Settle(std::chrono::seconds(30));

  auto counted = WaitForDrain({.ports = {process.port()}, .valkey = &valkey}, driver.tenants(),
                              std::chrono::seconds(60));
  const LoadReport report = driver.Report();
  std::cout << report.Summary();
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n"
                            << report.Summary() << "flagmeter log tail:\n"
                            << Tail(process.Log());
  std::cout << AccountingTable(report, *counted) << "reaper log lines about put-back batches: "
            << CountLines(process.Log(), "lease ran out") << "\n";
  EXPECT_EQ(CheckAccounting(report, *counted), "") << report.Summary() << "flagmeter log tail:\n"
                                                   << Tail(process.Log());
  EXPECT_EQ(report.CountRange(400, 499), 0) << report.Summary();
  EXPECT_GT(driver.acknowledged_events(), 0);
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
