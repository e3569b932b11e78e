#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "../api/api_fixture.hpp"

namespace flagmeter::test {

inline constexpr char kDashboardAdminToken[] = "dashboard-test-admin-token-0123456789";

/// The API fixture's real flagmeter, database and Valkey, with an admin token.
class DashboardTest : public ApiTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"ADMIN_TOKEN", kDashboardAdminToken}}; }

  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(process_->port()); }

  /// Polls GET /api/usage/<tenant> until totalTokens is `expected` (5 s).
  bool WaitForTotal(const std::string& tenant, std::int64_t expected) {
    const HttpResult usage = ApiTest::WaitForTotal(tenant, expected, std::chrono::seconds(5));
    return usage.status == 200 && usage.Json().value("totalTokens", std::int64_t{-1}) == expected;
  }
};

}  // namespace flagmeter::test
