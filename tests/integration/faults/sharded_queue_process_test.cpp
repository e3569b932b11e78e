// flagmeter with QUEUE_SHARDS=4 under load: every acknowledged event is
// counted exactly once; and a changed QUEUE_SHARDS on a queue that still
// holds events stops the start-up with a message saying what to do.
#include <chrono>
#include <iostream>
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

TEST(ShardedQueueProcess, FourShardsCountEveryAcknowledgedEventOnce) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  FlagmeterProcess process(stack.Environment({{"QUEUE_SHARDS", "4"}, {"WORKER_CONCURRENCY", "3"}}));
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;

  LoadDriver driver({.ports = {process.port()}, .tenant_prefix = "sharded"});
  driver.Start();
  std::this_thread::sleep_for(std::chrono::seconds(6));
  driver.Stop();

  auto counted = WaitForDrain({.ports = {process.port()}, .valkey = &stack.valkey, .shards = 4}, driver.tenants(),
                              std::chrono::seconds(60));
  const LoadReport report = driver.Report();
  std::cout << report.Summary();
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n" << report.Summary() << Tail(process.Log());
  std::cout << AccountingTable(report, *counted);
  EXPECT_EQ(CheckAccounting(report, *counted), "") << report.Summary() << Tail(process.Log());
  EXPECT_GT(report.Count("load", 201), 0) << report.Summary();
  // The events went through the shards, not the plain list.
  auto layout = stack.valkey.Command({"GET", "{events}:layout"});
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->str, "4");
  auto sequences = stack.valkey.Command({"KEYS", "{events:*}:seq"});
  ASSERT_TRUE(sequences.ok());
  EXPECT_GT(sequences->elements.size(), 1u) << "events reached more than one shard";
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

TEST(ShardedQueueProcess, RefusesToStartWithANewShardCountWhileTheQueueHoldsEvents) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  ASSERT_TRUE(stack.valkey.Command({"RPUSH", "events", "left-over-1", "left-over-2"}).ok());
  FlagmeterProcess process(stack.Environment({{"QUEUE_SHARDS", "16"}}));
  std::string error;
  EXPECT_FALSE(process.Start(&error, 20000)) << "started although the queue holds events";
  const std::string log = process.Log();
  EXPECT_NE(log.find("QUEUE_SHARDS=16 but queue 'events' was laid out with QUEUE_SHARDS=1 and holds 2 events"),
            std::string::npos)
      << Tail(log);
  EXPECT_NE(log.find("drain them with QUEUE_SHARDS=1 first"), std::string::npos) << Tail(log);
  EXPECT_EQ(stack.valkey.ListLength("events"), 2) << "the events stay where they were";
}

}  // namespace
}  // namespace flagmeter::test
