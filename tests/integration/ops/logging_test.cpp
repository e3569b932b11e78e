// What a log collector sees: with LOG_FORMAT=json every line flagmeter writes
// is one JSON object (timestamp, level, message, logger), with LOG_FORMAT=text lines
// are for people, and serving requests adds no lines at info level.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class LoggingTest : public ::testing::Test {
 protected:
  void Start(const std::string& format) {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = std::move(database.value());
    const Status valkey = valkey_.Start();
    ASSERT_TRUE(valkey.ok()) << valkey.ToString();
    process_ = std::make_unique<FlagmeterProcess>(std::map<std::string, std::string>{
        {"DATABASE_URL", database_->url()}, {"VALKEY_URL", valkey_.url()}, {"LOG_FORMAT", format},
        {"LOG_LEVEL", "info"}});
    std::string error;
    ASSERT_TRUE(process_->Start(&error)) << error;
    client_ = std::make_unique<HttpClient>(process_->port());
  }

  // `rounds` of: one event, one batch, one 400, a usage read, a 404, health
  // and a scrape; then waits until every event is committed.
  void Serve(int rounds, std::int64_t* tokens_sent) {
    for (int i = 0; i < rounds; ++i) {
      ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"logs","feature":"f","tokens":1})").status, 201);
      ASSERT_EQ(client_->PostJson("/api/events", R"([{"tenant":"logs","feature":"f","tokens":2}])").status, 201);
      ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"logs"})").status, 400);
      const int usage = client_->Get("/api/usage/logs").status;  // 404 until the first commit
      ASSERT_TRUE(usage == 200 || usage == 404) << usage;
      ASSERT_EQ(client_->Get("/api/usage/nobody").status, 404);
      ASSERT_EQ(client_->Get("/api/health").status, 200);
      ASSERT_EQ(client_->Get("/metrics").status, 200);
    }
    *tokens_sent += 3 * rounds;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::int64_t total = -1;
    while (total != *tokens_sent && std::chrono::steady_clock::now() < deadline) {
      total = client_->Get("/api/usage/logs").Json().value("totalTokens", std::int64_t{-1});
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(total, *tokens_sent);
  }

  void TearDown() override {
    if (process_ && process_->running()) {
      EXPECT_EQ(process_->Stop(SIGTERM), 0) << process_->Log();
    }
  }

  std::unique_ptr<TestDatabase> database_;
  TestValkey valkey_;
  std::unique_ptr<FlagmeterProcess> process_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(LoggingTest, JsonFormatWritesOneObjectPerLine) {
  ASSERT_NO_FATAL_FAILURE(Start("json"));
  std::int64_t sent = 0;
  ASSERT_NO_FATAL_FAILURE(Serve(5, &sent));
  ASSERT_EQ(process_->Stop(SIGTERM), 0);

  const std::vector<std::string> lines = Lines(process_->Log());
  ASSERT_GE(lines.size(), 2u) << "expected at least the start and shutdown lines";
  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  const std::set<std::string> levels = {"trace", "debug", "info", "warning", "error", "critical"};
  for (const std::string& line : lines) {
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(record.is_object()) << "not a JSON object: " << line;
    ASSERT_TRUE(record.contains("timestamp") && record["timestamp"].is_string()) << line;
    EXPECT_TRUE(std::regex_match(record["timestamp"].get<std::string>(), rfc3339)) << line;
    ASSERT_TRUE(record.contains("level") && record["level"].is_string()) << line;
    EXPECT_TRUE(levels.contains(record["level"].get<std::string>())) << line;
    ASSERT_TRUE(record.contains("message") && record["message"].is_string()) << line;
    EXPECT_FALSE(record["message"].get<std::string>().empty()) << line;
    EXPECT_EQ(record.value("logger", ""), "flagmeter") << line;
  }
  EXPECT_NE(process_->Log().find("serving on"), std::string::npos) << process_->Log();
}

TEST_F(LoggingTest, TextFormatIsForPeople) {
  ASSERT_NO_FATAL_FAILURE(Start("text"));
  // SIGTERM only once start-up is over (the port accepts a little earlier).
  std::int64_t sent = 0;
  ASSERT_NO_FATAL_FAILURE(Serve(1, &sent));
  ASSERT_EQ(process_->Stop(SIGTERM), 0);
  const std::vector<std::string> lines = Lines(process_->Log());
  ASSERT_FALSE(lines.empty());
  const std::regex text_line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+\s+.+)");
  for (const std::string& line : lines) {
    EXPECT_NE(line.front(), '{') << line;
    EXPECT_TRUE(std::regex_match(line, text_line)) << line;
  }
}

TEST_F(LoggingTest, ServingRequestsLogsNothingAtInfo) {
  ASSERT_NO_FATAL_FAILURE(Start("json"));
  std::int64_t sent = 0;
  ASSERT_NO_FATAL_FAILURE(Serve(2, &sent));
  const std::size_t before = Lines(process_->Log()).size();
  ASSERT_NO_FATAL_FAILURE(Serve(100, &sent));  // 700 requests, 200 events
  const std::vector<std::string> after = Lines(process_->Log());
  std::string added;
  for (std::size_t i = before; i < after.size(); ++i) added += after[i] + "\n";
  EXPECT_EQ(after.size(), before) << "lines logged while serving:\n" << added;
}

}  // namespace
}  // namespace flagmeter::test
