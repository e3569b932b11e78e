// The acceptance counter in Valkey (events:seq) lost between two copies of
// one id, as a flush or a lost second of AOF would lose it: the copy accepted
// first stays the one counted.
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "fault_stack.hpp"
#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"

namespace flagmeter::test {
namespace {

// totalTokens of `tenant` once it equals `expected`, or the last value seen after 10 s.
std::int64_t WaitForTotal(HttpClient& client, const std::string& tenant, std::int64_t expected) {
  std::int64_t total = -1;
  for (int attempt = 0; attempt < 200 && total != expected; ++attempt) {
    const HttpResult usage = client.Get("/api/usage/" + tenant);
    if (usage.status == 200) total = usage.Json().value("totalTokens", std::int64_t{-1});
    if (total != expected) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return total;
}

TEST(SequenceReset, ACopySentAfterTheCounterWasDeletedDoesNotReplaceTheFirst) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  FlagmeterProcess process(stack.Environment());
  std::string error;
  ASSERT_TRUE(process.Start(&error)) << error;
  HttpClient client(process.port());

  // Other traffic first, so the first copy's number is well above 1.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(client.PostJson("/api/events", R"({"tenant":"warm","feature":"f","tokens":1})").status, 201);
  }
  ASSERT_EQ(client.PostJson("/api/events", R"({"tenant":"seq","feature":"first","tokens":10,"id":"order-1"})").status,
            201);
  ASSERT_EQ(WaitForTotal(client, "seq", 10), 10) << Tail(process.Log());

  auto deleted = stack.valkey.Command({"DEL", "events:seq"});
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  ASSERT_EQ(client.PostJson("/api/events", R"({"tenant":"seq","feature":"second","tokens":99,"id":"order-1"})").status,
            201);
  // The second copy is committed as a duplicate; then the total must still be the first copy's.
  ASSERT_EQ(client.PostJson("/api/events", R"({"tenant":"seq","feature":"marker","tokens":1})").status, 201);
  EXPECT_EQ(WaitForTotal(client, "seq", 11), 11) << Tail(process.Log());
  const HttpResult usage = client.Get("/api/usage/seq");
  for (const auto& feature : usage.Json()["features"]) {
    EXPECT_NE(feature["feature"], "second") << usage.body;
  }
  EXPECT_EQ(process.Stop(SIGTERM), 0) << Tail(process.Log());
}

}  // namespace
}  // namespace flagmeter::test
