// A worker that died holding a batch (its lease key gone, its processing list
// still full): the running service puts the batch back, both for a worker of
// an earlier run (at start-up) and for one that dies while it runs.
#include <signal.h>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fault_stack.hpp"
#include "support/flagmeter_process.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

class LeaseReapingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(stack_.Start()); }

  // What a consumer that claimed `count` events and then died leaves in
  // Valkey once its lease has run out (valkey_queue.cpp's layout).
  void LeaveDeadConsumer(const std::string& consumer, int count) {
    const std::string processing = "events:processing:" + consumer;
    std::vector<std::string> events;
    for (int i = 0; i < count; ++i) events.push_back(consumer + "-event-" + std::to_string(i));
    std::vector<std::string_view> push{"RPUSH", processing};
    push.insert(push.end(), events.begin(), events.end());
    ASSERT_TRUE(stack_.valkey.Command(push).ok());
    ASSERT_TRUE(stack_.valkey.Command({"SADD", "events:consumers", consumer}).ok());
  }

  bool Holds(const std::string& consumer) { return stack_.valkey.ListLength("events:processing:" + consumer) > 0; }

  template <typename Predicate>
  static bool Eventually(Predicate predicate) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return predicate();
  }

  FaultStack stack_;
};

TEST_F(LeaseReapingTest, TheServicePutsBackDeadConsumersBatchesAtStartUpAndWhileItRuns) {
  ASSERT_NO_FATAL_FAILURE(LeaveDeadConsumer("earlier-run", 3));
  FlagmeterProcess process(stack_.Environment());
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;
  EXPECT_TRUE(Eventually([&] { return !Holds("earlier-run"); })) << Tail(process.Log());
  EXPECT_TRUE(Eventually([&] {
    return process.Log().find("put back 3 events of consumers whose lease ran out") != std::string::npos;
  })) << Tail(process.Log());

  ASSERT_NO_FATAL_FAILURE(LeaveDeadConsumer("died-meanwhile", 2));
  EXPECT_TRUE(Eventually([&] { return !Holds("died-meanwhile"); })) << Tail(process.Log());
  EXPECT_TRUE(Eventually([&] {
    return process.Log().find("put back 2 events of consumers whose lease ran out") != std::string::npos;
  })) << Tail(process.Log());
  auto consumers = stack_.valkey.Command({"SISMEMBER", "events:consumers", "died-meanwhile"});
  ASSERT_TRUE(consumers.ok());
  EXPECT_EQ(consumers->integer, 0) << "a consumer whose batch was put back is forgotten";
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
