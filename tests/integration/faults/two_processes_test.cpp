// Two flagmeter processes sharing one Valkey queue and one PostgreSQL
// database, the load spread over both: their workers never count an event
// twice or drop one.
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

// flagmeter_events_persisted_total of the process at `port`, or -1.
double EventsPersisted(int port) {
  const std::string body = HttpClient(port).Get("/metrics").body;
  const std::string name = "\nflagmeter_events_persisted_total ";
  const std::size_t at = body.find(name);
  return at == std::string::npos ? -1 : std::stod(body.substr(at + name.size()));
}

TEST(TwoProcesses, SharingValkeyAndPostgresCountEveryEventOnce) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  TestValkey& valkey = stack.valkey;
  const std::map<std::string, std::string> env = stack.Environment();
  FlagmeterProcess first(env);
  FlagmeterProcess second(env);
  std::string error;
  ASSERT_TRUE(first.Start(&error)) << error;
  ASSERT_TRUE(second.Start(&error)) << error;

  LoadDriver driver({.ports = {first.port(), second.port()}, .tenant_prefix = "two"});
  driver.Start();
  std::this_thread::sleep_for(std::chrono::seconds(8));
  driver.Stop();

  auto counted = WaitForDrain({.ports = {first.port(), second.port()}, .valkey = &valkey}, driver.tenants(),
                              std::chrono::seconds(60));
  const LoadReport report = driver.Report();
  std::cout << report.Summary();
  const auto logs = [&] { return "first log:\n" + Tail(first.Log()) + "\nsecond log:\n" + Tail(second.Log()); };
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n" << report.Summary() << logs();
  std::cout << AccountingTable(report, *counted);
  EXPECT_EQ(CheckAccounting(report, *counted), "") << report.Summary() << logs();
  EXPECT_EQ(report.Count("load", 201), report.CountRange(0, 999)) << report.Summary() << logs();
  // Both processes' workers took part: each committed some of the events.
  for (FlagmeterProcess* process : {&first, &second}) {
    EXPECT_GT(EventsPersisted(process->port()), 0) << "port " << process->port() << " committed nothing";
    EXPECT_EQ(process->Stop(SIGTERM), 0) << logs();
  }
}

}  // namespace
}  // namespace flagmeter::test
