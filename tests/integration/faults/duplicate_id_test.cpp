// One event id sent many times at once, alone and inside batches, by many
// clients: it is counted once, with the values first accepted.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fault_stack.hpp"
#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/load_driver.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

using nlohmann::json;

constexpr int kThreads = 16;
constexpr int kSendsPerThread = 50;
// Each round races a fresh id; several rounds make a lost race likely to show.
constexpr int kRounds = 8;

// Every re-send of "the-id" carries other values than the first send;
// "racing-id" is only ever sent concurrently, always with the same values.
// Every third send is a batch that also holds an event of its own, which must
// be counted normally.
json MakeSend(const std::string& tenant, int thread, int send) {
  const json the_id = {{"tenant", tenant}, {"feature", "resent-" + std::to_string(thread)},
                       {"tokens", 1000 + thread}, {"id", "the-id"}};
  const json racing = {{"tenant", tenant}, {"feature", "racing"}, {"tokens", 5}, {"id", "racing-id"}};
  const json& repeated = send % 2 == 0 ? the_id : racing;
  if (send % 3 != 0) return repeated;
  const json own = {{"tenant", tenant + "-own"}, {"feature", "own"}, {"tokens", 1},
                    {"id", "own-" + std::to_string(thread) + "-" + std::to_string(send)}};
  return send % 2 == 0 ? json::array({repeated, own}) : json::array({own, repeated, repeated});
}

// 16 threads x 50 sends for one tenant; returns how many batches (each with
// one event of its own, 1 token) were acknowledged, and collects failures.
int SendConcurrently(int port, const std::string& tenant, std::vector<std::string>& failures) {
  std::atomic<int> own_acknowledged{0};
  std::mutex failures_mu;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      HttpClient sender(port);
      for (int send = 0; send < kSendsPerThread; ++send) {
        const json body = MakeSend(tenant, thread, send);
        const HttpResult answer = sender.PostJson("/api/events", body.dump());
        if (answer.status == 201 && body.is_array()) ++own_acknowledged;
        if (answer.status == 201) continue;
        std::lock_guard lock(failures_mu);
        failures.push_back(std::to_string(answer.status) + " " + answer.body + " for " + body.dump());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return own_acknowledged.load();
}

TEST(DuplicateId, OneIdSentManyTimesConcurrentlyIsCountedOnceWithTheFirstValues) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  TestValkey& valkey = stack.valkey;
  FlagmeterProcess process(stack.Environment());
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;

  HttpClient client(process.port());
  std::vector<std::string> tenants;
  std::map<std::string, int> own_acknowledged;
  std::vector<std::string> failures;
  for (int round = 0; round < kRounds; ++round) {
    const std::string tenant = "dup-" + std::to_string(round);
    const json first = {{"tenant", tenant}, {"feature", "first"}, {"tokens", 777}, {"id", "the-id"}};
    const HttpResult accepted = client.PostJson("/api/events", first.dump());
    ASSERT_EQ(accepted.status, 201) << accepted.body;
    ASSERT_EQ(accepted.Json().value("eventId", ""), "the-id") << accepted.body;
    own_acknowledged[tenant + "-own"] = SendConcurrently(process.port(), tenant, failures);
    tenants.insert(tenants.end(), {tenant, tenant + "-own"});
  }
  EXPECT_TRUE(failures.empty()) << failures.size() << " sends not answered 201, first: " << failures.front();

  auto counted = WaitForDrain({.ports = {process.port()}, .valkey = &valkey}, tenants, std::chrono::seconds(60));
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n" << Tail(process.Log());
  const json expected_features = json::array({{{"feature", "first"}, {"tokens", 777}, {"events", 1}},
                                              {{"feature", "racing"}, {"tokens", 5}, {"events", 1}}});
  for (int round = 0; round < kRounds; ++round) {
    const std::string tenant = "dup-" + std::to_string(round);
    EXPECT_EQ(counted->at(tenant + "-own"), own_acknowledged[tenant + "-own"]) << tenant;
    // Counted once: 2 events in all. With the first values: feature "first",
    // 777 tokens, although every later send of the id said otherwise.
    const json features = client.Get("/api/usage/" + tenant).Json()["features"];
    EXPECT_EQ(features, expected_features)
        << tenant << ": counted with a later re-send's values instead of the first accepted ones";
  }
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
