// GET /api/dashboard in pages: every tenant's card exactly once, in bytewise
// name order, pages never larger than `limit`, and 400 for a bad limit or
// cursor, against the real binary, PostgreSQL and Valkey.
#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dashboard_fixture.hpp"
#include "support/tenant_pages.hpp"

namespace flagmeter::test {
namespace {

class DashboardPagingTest : public DashboardTest {
 protected:
  std::int64_t Sql(const std::string& sql) { return QueryInt64(database_->url(), sql); }

  std::function<HttpResult(const std::string&)> Get() {
    return [this](const std::string& target) { return client_->Get(target); };
  }
};

TEST_F(DashboardPagingTest, WalksEveryTenantExactlyOnceInNameOrder) {
  ASSERT_EQ(Sql(InsertTenantsSql(250)), 250);
  ASSERT_EQ(Sql(InsertOddTenantsSql()), static_cast<std::int64_t>(OddTenantNames().size()));
  // Usage for a tenant on the second page, so its card there carries it.
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"tenant-000150","feature":"gpt-4o","tokens":42})").status,
            201);
  ASSERT_TRUE(WaitForTotal("tenant-000150", 42));
  const std::size_t expected = 250 + OddTenantNames().size();

  const TenantPageWalk walk = WalkTenantPages(Get(), "/api/dashboard", 100);
  std::cout << "GET /api/dashboard?limit=100 over " << expected << " tenants: " << walk.pages << " pages, largest "
            << walk.largest_page << " cards, " << walk.names.size() << " names\n";
  ASSERT_TRUE(walk.problem.empty()) << walk.problem;
  EXPECT_EQ(walk.names.size(), expected);
  EXPECT_EQ(std::set<std::string>(walk.names.begin(), walk.names.end()).size(), walk.names.size())
      << "a card was served twice";
  EXPECT_TRUE(std::is_sorted(walk.names.begin(), walk.names.end())) << "not in bytewise name order";
  EXPECT_EQ(walk.pages, 3);

  // The second page's cards and totals are those of its own tenants.
  const HttpResult first = client_->Get("/api/dashboard?limit=100");
  ASSERT_EQ(first.status, 200);
  const HttpResult second =
      client_->Get("/api/dashboard?limit=100&cursor=" + QueryEscape(first.Json()["nextCursor"].get<std::string>()));
  ASSERT_EQ(second.status, 200) << second.body;
  const nlohmann::json body = second.Json();
  EXPECT_EQ(body["tenants"].size(), 100u);
  EXPECT_EQ(body["totals"]["tenants"], 100);
  EXPECT_EQ(body["totals"]["periodTokens"], 42);
  bool found = false;
  for (const nlohmann::json& card : body["tenants"]) {
    if (card["tenantName"] != "tenant-000150") continue;
    found = true;
    EXPECT_EQ(card["totalTokens"], 42);
    EXPECT_EQ(card["lastHourTokens"], 42);
  }
  EXPECT_TRUE(found) << "tenant-000150 is not on the second page";
}

TEST_F(DashboardPagingTest, BadLimitOrCursorIs400NamingTheParameter) {
  struct Case {
    std::string query;
    std::string path;
  };
  const std::vector<Case> cases = {
      {"limit=0", "limit"},    {"limit=501", "limit"},   {"limit=x", "limit"},   {"limit=1&limit=2", "limit"},
      {"cursor=", "cursor"},   {"cursor=%%", "cursor"},  {"cursor=a+b", "cursor"}, {"cursor=AA", "cursor"},
  };
  for (const Case& c : cases) {
    const HttpResult answer = client_->Get("/api/dashboard?" + c.query);
    EXPECT_EQ(answer.status, 400) << c.query << ": " << answer.body;
    const nlohmann::json body = answer.Json();
    ASSERT_TRUE(body.contains("details")) << c.query << ": " << answer.body;
    EXPECT_EQ(body["details"][0]["path"], c.path) << c.query << ": " << answer.body;
  }
  EXPECT_EQ(client_->Get("/api/dashboard?limit=500").status, 200);
}

TEST_F(DashboardPagingTest, OneHundredThousandTenantsAnswerOnePageOfOneHundred) {
  ASSERT_EQ(Sql(InsertTenantsSql(100000)), 100000);
  double elapsed_ms = 0;
  const HttpResult answer = TimedGet(Get(), "/api/dashboard", elapsed_ms);
  std::cout << "GET /api/dashboard with 100000 tenants: status " << answer.status << ", "
            << answer.Json()["tenants"].size() << " cards, " << answer.body.size() << " bytes, " << elapsed_ms
            << " ms; flagmeter peak RSS " << ProcessMemoryKb(process_->pid(), "VmHWM") << " kB\n";
  ASSERT_EQ(answer.status, 200) << answer.body.substr(0, 300);
  const nlohmann::json body = answer.Json();
  EXPECT_EQ(body["tenants"].size(), 100u);
  EXPECT_EQ(body["tenants"][0]["tenantName"], "tenant-000001");
  EXPECT_TRUE(body["nextCursor"].is_string());
  EXPECT_LT(answer.body.size(), 200u * 1024) << "an answer of 100 cards should be tens of kB";

  const HttpResult largest = TimedGet(Get(), "/api/dashboard?limit=500", elapsed_ms);
  std::cout << "GET /api/dashboard?limit=500 with 100000 tenants: " << largest.Json()["tenants"].size() << " cards, "
            << largest.body.size() << " bytes, " << elapsed_ms << " ms\n";
  ASSERT_EQ(largest.status, 200);
  EXPECT_EQ(largest.Json()["tenants"].size(), 500u);
}

}  // namespace
}  // namespace flagmeter::test
