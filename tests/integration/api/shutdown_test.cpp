// SIGTERM under load: stop accepting, finish in-flight requests, let the
// workers commit or hand back, exit 0 within 10 s; nothing acknowledged is
// lost.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "api_fixture.hpp"

namespace flagmeter::test {
namespace {

TEST_F(ApiTest, SigtermUnderLoadExitsCleanlyAndLosesNothingAcknowledged) {
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> acknowledged{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      HttpClient client(process_->port());
      std::int64_t tokens = 1 + i;
      while (!stop) {
        const std::string body = R"({"tenant":"drain","feature":"f","tokens":)" + std::to_string(tokens) + "}";
        if (client.PostJson("/api/events", body).status == 201) acknowledged += tokens;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto signalled = std::chrono::steady_clock::now();
  const int exit_code = process_->Stop(SIGTERM, 15000);
  const auto took = std::chrono::steady_clock::now() - signalled;
  stop = true;
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(exit_code, 0) << process_->Log();
  EXPECT_LT(took, std::chrono::seconds(10)) << "SIGTERM must end the process within 10 s";
  ASSERT_GT(acknowledged.load(), 0);

  // A new process on the same Valkey and PostgreSQL drains whatever was left.
  process_ = std::make_unique<FlagmeterProcess>(std::map<std::string, std::string>{
      {"DATABASE_URL", database_->url()}, {"VALKEY_URL", valkey_.url()}, {"QUEUE_LEASE_MS", "2000"}});
  std::string error;
  ASSERT_TRUE(process_->Start(&error)) << error;
  client_ = std::make_unique<HttpClient>(process_->port());
  HttpResult usage = WaitForTotal("drain", acknowledged.load(), std::chrono::milliseconds(15000));
  EXPECT_EQ(usage.Json()["totalTokens"], acknowledged.load()) << usage.body;
}

}  // namespace
}  // namespace flagmeter::test
