// GET /api/tenants in pages: every tenant exactly once, in bytewise name
// order, pages never larger than `limit`, and 400 for a bad limit or cursor.
#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/tenant_pages.hpp"
#include "tenants_fixture.hpp"

namespace flagmeter::test {
namespace {

class TenantPagingTest : public TenantsTest {
 protected:
  std::function<HttpResult(const std::string&)> AdminGet() {
    return [this](const std::string& target) { return Admin("GET", target); };
  }
};

TEST_F(TenantPagingTest, WalksEveryTenantExactlyOnceInNameOrder) {
  ASSERT_EQ(Sql(InsertTenantsSql(1234)), 1234);
  ASSERT_EQ(Sql(InsertOddTenantsSql()), static_cast<std::int64_t>(OddTenantNames().size()));
  const std::size_t expected = 1234 + OddTenantNames().size();

  const TenantPageWalk walk = WalkTenantPages(AdminGet(), "/api/tenants", 100);
  std::cout << "GET /api/tenants?limit=100 over " << expected << " tenants: " << walk.pages << " pages, largest "
            << walk.largest_page << " tenants, " << walk.names.size() << " names\n";
  ASSERT_TRUE(walk.problem.empty()) << walk.problem;
  EXPECT_EQ(walk.names.size(), expected);
  EXPECT_EQ(std::set<std::string>(walk.names.begin(), walk.names.end()).size(), walk.names.size())
      << "a tenant was served twice";
  EXPECT_TRUE(std::is_sorted(walk.names.begin(), walk.names.end())) << "not in bytewise name order";
  EXPECT_EQ(walk.pages, static_cast<int>((expected + 99) / 100));
  for (const std::string& name : OddTenantNames()) {
    EXPECT_NE(std::find(walk.names.begin(), walk.names.end(), name), walk.names.end()) << name;
  }
}

TEST_F(TenantPagingTest, LastPageHasNoNextCursorAndEmptyListHasOnePage) {
  HttpResult empty = Admin("GET", "/api/tenants");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.Json()["tenants"], nlohmann::json::array());
  EXPECT_TRUE(empty.Json()["nextCursor"].is_null()) << empty.body;

  ASSERT_EQ(Sql(InsertTenantsSql(4)), 4);
  HttpResult first = Admin("GET", "/api/tenants?limit=2");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["count"], 2);
  ASSERT_TRUE(first.Json()["nextCursor"].is_string()) << first.body;
  HttpResult second =
      Admin("GET", "/api/tenants?limit=2&cursor=" + QueryEscape(first.Json()["nextCursor"].get<std::string>()));
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.Json()["tenants"][0]["tenantName"], "tenant-000003");
  // Exactly `limit` left: the page says so, rather than pointing at an empty page.
  EXPECT_TRUE(second.Json()["nextCursor"].is_null()) << second.body;
}

TEST_F(TenantPagingTest, BadLimitOrCursorIs400NamingTheParameter) {
  struct Case {
    std::string query;
    std::string path;
  };
  const std::vector<Case> cases = {
      {"limit=0", "limit"},           {"limit=501", "limit"},         {"limit=-1", "limit"},
      {"limit=abc", "limit"},         {"limit=", "limit"},            {"limit=1.5", "limit"},
      {"limit=99999999999999999999", "limit"},                        {"limit=10&limit=20", "limit"},
      {"cursor=", "cursor"},          {"cursor=!!!", "cursor"},       {"cursor=%zz", "cursor"},
      {"cursor=AA", "cursor"},  // decodes to a NUL byte: no tenant can have that name
  };
  for (const Case& c : cases) {
    HttpResult answer = Admin("GET", "/api/tenants?" + c.query);
    EXPECT_EQ(answer.status, 400) << c.query << ": " << answer.body;
    const nlohmann::json body = answer.Json();
    ASSERT_TRUE(body.contains("details")) << c.query << ": " << answer.body;
    EXPECT_EQ(body["details"][0]["path"], c.path) << c.query << ": " << answer.body;
  }
  const std::string message = Admin("GET", "/api/tenants?limit=501").Json()["details"][0].value("message", "");
  EXPECT_NE(message.find("1 to 500"), std::string::npos) << message;
  EXPECT_EQ(Admin("GET", "/api/tenants?limit=1").status, 200);
  EXPECT_EQ(Admin("GET", "/api/tenants?limit=500").status, 200);
  EXPECT_EQ(Admin("GET", "/api/tenants?other=1").status, 200);  // unknown parameters are ignored
}

class SmallPageTenantPagingTest : public TenantPagingTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"MAX_TENANTS_PER_PAGE", "50"}}; }
};

TEST_F(SmallPageTenantPagingTest, MaxTenantsPerPageBoundsLimitAndDefault) {
  ASSERT_EQ(Sql(InsertTenantsSql(120)), 120);
  HttpResult too_many = Admin("GET", "/api/tenants?limit=51");
  EXPECT_EQ(too_many.status, 400) << too_many.body;
  EXPECT_NE(too_many.body.find("1 to 50"), std::string::npos) << too_many.body;
  HttpResult page = Admin("GET", "/api/tenants");  // the default (100) is cut to the bound
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Json()["tenants"].size(), 50u);
}

TEST_F(TenantPagingTest, OneHundredThousandTenantsAnswerOnePageOfOneHundred) {
  ASSERT_EQ(Sql(InsertTenantsSql(100000)), 100000);
  double elapsed_ms = 0;
  const HttpResult answer = TimedGet(AdminGet(), "/api/tenants", elapsed_ms);
  const pid_t pid = processes_.front()->pid();
  std::cout << "GET /api/tenants with 100000 tenants: status " << answer.status << ", "
            << answer.Json()["tenants"].size() << " tenants, " << answer.body.size() << " bytes, " << elapsed_ms
            << " ms; flagmeter peak RSS " << ProcessMemoryKb(pid, "VmHWM") << " kB\n";
  ASSERT_EQ(answer.status, 200) << answer.body.substr(0, 300);
  const nlohmann::json body = answer.Json();
  EXPECT_EQ(body["tenants"].size(), 100u);
  EXPECT_EQ(body["count"], 100);
  EXPECT_EQ(body["tenants"][0]["tenantName"], "tenant-000001");
  EXPECT_TRUE(body["nextCursor"].is_string());
  EXPECT_LT(answer.body.size(), 100u * 1024) << "an answer of 100 tenants should be tens of kB";

  const HttpResult largest = TimedGet(AdminGet(), "/api/tenants?limit=500", elapsed_ms);
  std::cout << "GET /api/tenants?limit=500 with 100000 tenants: " << largest.Json()["tenants"].size()
            << " tenants, " << largest.body.size() << " bytes, " << elapsed_ms << " ms\n";
  ASSERT_EQ(largest.status, 200);
  EXPECT_EQ(largest.Json()["tenants"].size(), 500u);
}

}  // namespace
}  // namespace flagmeter::test
