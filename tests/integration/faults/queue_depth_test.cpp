// Above MAX_QUEUE_DEPTH waiting events POST answers 503 with Retry-After
// instead of growing Valkey without bound; such an event is not queued, so
// only the 201s are counted, exactly.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "fault_stack.hpp"
#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/load_driver.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

constexpr int kMaxQueueDepth = 300;

TEST(QueueDepthBound, AboveMaxQueueDepthPostAnswers503AndOnlyThe201sAreCounted) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  TestValkey& valkey = stack.valkey;
  FlagmeterProcess process(stack.Environment({{"MAX_QUEUE_DEPTH", std::to_string(kMaxQueueDepth)}}));
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;

  // Stalls every commit (well within the 30 s lease), so events pile up in Valkey.
  pqxx::connection blocker(stack.database->url());
  auto lock = std::make_unique<pqxx::work>(blocker);
  lock->exec("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");

  LoadDriver driver({.ports = {process.port()}, .tenant_prefix = "depth"});
  driver.SetPhase("stalled");
  driver.Start();
  HttpClient probe(process.port());
  HttpResult refused;
  for (int attempt = 0; attempt < 100 && refused.status != 503; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    refused = probe.PostJson("/api/events", R"({"tenant":"depth-probe","feature":"f","tokens":1})");
  }
  EXPECT_EQ(refused.status, 503) << "the queue never filled up: " << refused.body;
  EXPECT_FALSE(refused.Header("retry-after").empty()) << "503 without Retry-After";
  EXPECT_LE(valkey.ListLength("events"), kMaxQueueDepth);
  lock->abort();
  lock.reset();
  driver.SetPhase("released");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  driver.Stop();

  auto counted = WaitForDrain({.ports = {process.port()}, .valkey = &valkey}, driver.tenants(),
                              std::chrono::seconds(60));
  const LoadReport report = driver.Report();
  std::cout << report.Summary();
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n" << report.Summary() << Tail(process.Log());
  std::cout << AccountingTable(report, *counted);
  // Strict: a 503 here means "not queued", so nothing beyond the 201s counts.
  for (const auto& [tenant, tally] : report.tenants) {
    EXPECT_EQ(counted->at(tenant), tally.acknowledged_tokens) << tenant << "\n" << AccountingTable(report, *counted);
  }
  EXPECT_GT(report.Count("stalled", 503), 0) << report.Summary();
  EXPECT_GT(report.Count("released", 201), 0) << report.Summary();
  EXPECT_EQ(report.CountRange(0, 200) + report.CountRange(202, 502) + report.CountRange(504, 999), 0)
      << report.Summary() << Tail(process.Log());
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
