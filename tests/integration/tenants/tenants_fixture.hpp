#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {

inline constexpr char kAdminToken[] = "test-admin-token-0123456789";

/// Real flagmeter processes (one by default) sharing one fresh PostgreSQL
/// database and one Valkey server, with ADMIN_TOKEN set, and helpers for the
/// admin API and API keys.
class TenantsTest : public ::testing::Test {
 protected:
  virtual std::map<std::string, std::string> ExtraEnv() const { return {}; }

  void SetUp() override {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = std::move(database.value());
    ASSERT_TRUE(valkey_.Start().ok());
    ASSERT_TRUE(StartProcess());
    client_ = std::make_unique<HttpClient>(processes_.front()->port());
  }

  void TearDown() override {
    for (auto& process : processes_) {
      if (HasFailure()) std::cerr << "flagmeter log:\n" << process->Log();
      if (process->running()) EXPECT_EQ(process->Stop(SIGTERM), 0) << process->Log();
    }
  }

  /// Starts one more process on the same database and queue.
  bool StartProcess(std::map<std::string, std::string> overrides = {}) {
    std::map<std::string, std::string> env = {{"DATABASE_URL", database_->url()},
                                              {"VALKEY_URL", valkey_.url()},
                                              {"ADMIN_TOKEN", kAdminToken},
                                              {"LOG_LEVEL", "info"}};
    for (const auto& [name, value] : ExtraEnv()) env[name] = value;
    for (const auto& [name, value] : overrides) env[name] = value;
    processes_.push_back(std::make_unique<FlagmeterProcess>(env));
    std::string error;
    const bool started = processes_.back()->Start(&error);
    EXPECT_TRUE(started) << error;
    return started;
  }

  /// Stops process `index` gracefully and starts a fresh one in its place;
  /// the client then talks to it.
  void Restart(std::size_t index = 0) {
    ASSERT_EQ(processes_[index]->Stop(SIGTERM), 0) << processes_[index]->Log();
    ASSERT_TRUE(StartProcess());
    std::swap(processes_[index], processes_.back());
    client_ = std::make_unique<HttpClient>(processes_[index]->port());
  }

  HttpResult Admin(const std::string& method, const std::string& target, const std::string& body = "") {
    return WithToken(kAdminToken, method, target, body);
  }

  HttpResult WithToken(const std::string& token, const std::string& method, const std::string& target,
                       const std::string& body = "") {
    std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    return client_->Request(method, target, body, headers);
  }

  /// Creates a key of `tenant` through the admin API; returns {key, keyId}.
  std::pair<std::string, std::string> CreateKey(const std::string& tenant) {
    HttpResult created = Admin("POST", "/api/tenants/" + tenant + "/keys");
    EXPECT_EQ(created.status, 201) << created.body;
    return {created.Json().value("key", ""), created.Json().value("keyId", "")};
  }

  /// Posts events as the admin (works with and without REQUIRE_API_KEYS).
  void Send(const std::string& tenant, std::int64_t tokens) {
    const std::string body = R"({"tenant":")" + tenant + R"(","feature":"f","tokens":)" + std::to_string(tokens) + "}";
    HttpResult answer = Admin("POST", "/api/events", body);
    ASSERT_EQ(answer.status, 201) << answer.body;
  }

  /// Polls the admin view of `tenant` until totalTokens is `expected`.
  bool WaitForTotal(const std::string& tenant, std::int64_t expected,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      HttpResult answer = Admin("GET", "/api/tenants/" + tenant);
      if (answer.status == 200 && answer.Json().value("totalTokens", std::int64_t{-1}) == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  std::int64_t Sql(const std::string& sql) { return QueryInt64(database_->url(), sql); }

  std::unique_ptr<TestDatabase> database_;
  TestValkey valkey_;
  std::vector<std::unique_ptr<FlagmeterProcess>> processes_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace flagmeter::test
