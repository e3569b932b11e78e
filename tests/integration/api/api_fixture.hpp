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

/// A real flagmeter process on its own PostgreSQL database and its own
/// Valkey server, and a client for it.
class ApiTest : public ::testing::Test {
 protected:
  /// Extra environment for the process, e.g. {"MAX_BODY_BYTES", "2048"}.
  virtual std::map<std::string, std::string> ExtraEnv() const { return {}; }

  void SetUp() override {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = std::move(database.value());
    ASSERT_TRUE(valkey_.Start().ok());
    std::map<std::string, std::string> env = {{"DATABASE_URL", database_->url()},
                                              {"VALKEY_URL", valkey_.url()},
                                              {"LOG_LEVEL", "info"}};
    for (const auto& [name, value] : ExtraEnv()) env[name] = value;
    process_ = std::make_unique<FlagmeterProcess>(env);
    std::string error;
    ASSERT_TRUE(process_->Start(&error)) << error;
    client_ = std::make_unique<HttpClient>(process_->port());
  }

  void TearDown() override {
    if (HasFailure() && process_) std::cerr << "flagmeter log:\n" << process_->Log();
    if (process_) {
      EXPECT_EQ(process_->Stop(SIGTERM), 0) << process_->Log();
    }
  }

  /// Polls GET /api/usage/<tenant> until totalTokens equals `expected` or
  /// `timeout` passes; returns the last answer.
  HttpResult WaitForTotal(const std::string& tenant_path, std::int64_t expected,
                          std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    HttpResult last;
    do {
      last = client_->Get("/api/usage/" + tenant_path);
      if (last.status == 200 && last.Json().value("totalTokens", std::int64_t{-1}) == expected) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return last;
  }

  std::unique_ptr<TestDatabase> database_;
  TestValkey valkey_;
  std::unique_ptr<FlagmeterProcess> process_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace flagmeter::test
