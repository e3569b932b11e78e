#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/flagmeter_process.hpp"
#include "support/http_client.hpp"
#include "support/test_postgres.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter::test {

inline constexpr char kDashboardAdminToken[] = "dashboard-test-admin-token-0123456789";

/// A real flagmeter (with an admin token) on its own database and Valkey.
class DashboardTest : public ::testing::Test {
 protected:
  virtual std::map<std::string, std::string> ExtraEnv() const { return {}; }

  void SetUp() override {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = std::move(database.value());
    ASSERT_TRUE(valkey_.Start().ok());
    std::map<std::string, std::string> env = {{"DATABASE_URL", database_->url()},
                                              {"VALKEY_URL", valkey_.url()},
                                              {"ADMIN_TOKEN", kDashboardAdminToken},
                                              {"LOG_LEVEL", "info"}};
    for (const auto& [name, value] : ExtraEnv()) env[name] = value;
    process_ = std::make_unique<FlagmeterProcess>(env);
    std::string error;
    ASSERT_TRUE(process_->Start(&error)) << error;
    client_ = std::make_unique<HttpClient>(process_->port());
  }

  void TearDown() override {
    if (HasFailure() && process_) std::cerr << "flagmeter log:\n" << process_->Log();
    if (process_) EXPECT_EQ(process_->Stop(SIGTERM), 0) << process_->Log();
  }

  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(process_->port()); }

  /// Polls GET /api/usage/<tenant> until totalTokens is `expected` (5 s).
  bool WaitForTotal(const std::string& tenant, std::int64_t expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      const HttpResult usage = client_->Get("/api/usage/" + tenant);
      if (usage.status == 200 && usage.Json().value("totalTokens", std::int64_t{-1}) == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::unique_ptr<TestDatabase> database_;
  TestValkey valkey_;
  std::unique_ptr<FlagmeterProcess> process_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace flagmeter::test
