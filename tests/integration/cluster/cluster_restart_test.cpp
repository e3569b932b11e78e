// Every node of the cluster stopped (SIGTERM: each flushes its AOF) and
// started again under load: nothing acknowledged is lost, nothing counted
// twice, and ingest resumes once the cluster is back.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cluster_stack.hpp"
#include "support/flagmeter_process.hpp"

namespace flagmeter::test {
namespace {

TEST(ClusterRestart, EveryNodeStoppedAndStartedFromItsAofLosesNothing) {
  ClusterStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  FlagmeterProcess process(stack.Environment());
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;

  LoadDriver driver({.ports = {process.port()}, .tenant_prefix = "restart", .tenants_with_ids = 6,
                     .tenants_without_ids = 2});
  std::cout << "load seed " << driver.seed() << "\n";
  driver.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  const std::int64_t before = driver.acknowledged_events();
  driver.SetPhase("down");
  ASSERT_TRUE(stack.cluster.StopAll().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const Status started = stack.cluster.StartAll();
  ASSERT_TRUE(started.ok()) << started.ToString();
  driver.SetPhase("after");
  const std::int64_t at_restart = driver.acknowledged_events();
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  const std::int64_t after = driver.acknowledged_events() - at_restart;
  driver.Stop();
  driver.Settle(std::chrono::seconds(30));

  auto counted = WaitForDrain(stack.Probe({process.port()}), driver.tenants(), std::chrono::seconds(60));
  const LoadReport report = driver.Report();
  std::cout << report.Summary();
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n" << report.Summary() << Tail(process.Log());
  std::cout << AccountingTable(report, *counted) << "201s before the stop " << before
            << ", in the 3 s after the restart " << after << "\n";
  EXPECT_EQ(CheckAccounting(report, *counted), "") << report.Summary() << Tail(process.Log());
  EXPECT_GT(after, 0) << "ingest did not resume after the restart\n" << Tail(process.Log());
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
