// Valkey stopped and started again under load: while it is down POST answers
// only 503 with Retry-After (never a 201 for an event that is not queued), the
// service reconnects by itself, and every 201 is counted exactly once.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "fault_stack.hpp"
#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/load_driver.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

TEST(ValkeyOutage, StoppedUnderLoadAnswersOnly503ThenEvery201IsCountedOnce) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  TestValkey& valkey = stack.valkey;
  FlagmeterProcess process(stack.Environment());
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;

  LoadDriver driver({.ports = {process.port()}, .tenant_prefix = "vkdown"});
  driver.Start();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const Status stopped = valkey.Stop();  // SIGTERM: the server writes its AOF and exits
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();
  // Requests sent from here on cannot be queued: none may get a 201.
  driver.SetPhase("valkey-down");
  HttpClient probe(process.port());
  const HttpResult refused =
      probe.PostJson("/api/events", R"({"tenant":"vkdown-probe","feature":"f","tokens":1})");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.Header("retry-after").empty()) << "503 without Retry-After";
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const HttpResult health = probe.Get("/api/health");
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_EQ(health.Json()["services"].value("valkey", ""), "down") << health.body;
  driver.SetPhase("valkey-restarting");
  const Status restarted = valkey.Start();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  driver.SetPhase("recovered");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  driver.Stop();
  driver.Settle(std::chrono::seconds(30));

  auto counted = WaitForDrain({.ports = {process.port()}, .valkey = &valkey}, driver.tenants(),
                              std::chrono::seconds(60));
  const LoadReport report = driver.Report();
  std::cout << report.Summary();
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n"
                            << report.Summary() << "flagmeter log tail:\n"
                            << Tail(process.Log());
  std::cout << AccountingTable(report, *counted);
  EXPECT_EQ(CheckAccounting(report, *counted), "") << report.Summary() << Tail(process.Log());
  const auto& down = report.statuses.count("valkey-down") ? report.statuses.at("valkey-down")
                                                           : std::map<int, std::int64_t>{};
  EXPECT_GT(report.Count("valkey-down", 503), 0) << report.Summary();
  for (const auto& [status, count] : down) {
    EXPECT_EQ(status, 503) << count << " requests answered " << status << " while Valkey was down\n"
                           << report.Summary();
  }
  // Outside the outage only 201 and 503 are acceptable answers.
  EXPECT_EQ(report.CountRange(0, 200) + report.CountRange(202, 502) + report.CountRange(504, 999), 0)
      << report.Summary() << Tail(process.Log());
  EXPECT_GT(report.Count("recovered", 201), 0) << "no 201 after Valkey came back\n" << report.Summary();
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
