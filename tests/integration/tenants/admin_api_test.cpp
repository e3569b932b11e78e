// The tenant admin API against the real binary and PostgreSQL.
#include <string>

#include <nlohmann/json.hpp>

#include "flagmeter/core/billing_period.hpp"
#include "flagmeter/core/clock.hpp"
#include "flagmeter/core/rfc3339.hpp"
#include "tenants_fixture.hpp"

namespace flagmeter::test {
namespace {

using nlohmann::json;

TEST_F(TenantsTest, AdminRoutesNeedTheAdminToken) {
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/tenants"}, {"GET", "/api/tenants/acme"}, {"PUT", "/api/tenants/acme"},
           {"POST", "/api/tenants/acme/keys"}, {"DELETE", "/api/tenants/acme/keys/key_0123456789abcdef"}}) {
    HttpResult missing = client_->Request(method, target, method == "PUT" ? "{}" : "");
    EXPECT_EQ(missing.status, 401) << method << " " << target;
    EXPECT_EQ(missing.Header("www-authenticate"), "Bearer");
    EXPECT_EQ(WithToken("wrong-token-0123456789xx", method, target, method == "PUT" ? "{}" : "").status, 401);
    EXPECT_EQ(WithToken(std::string(kAdminToken) + "x", method, target).status, 401);
  }
  EXPECT_EQ(Admin("GET", "/api/tenants").status, 200);
}

class NoAdminTokenTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"ADMIN_TOKEN", ""}}; }
};

TEST_F(NoAdminTokenTest, AdminApiIs403NamingAdminToken) {
  HttpResult answer = Admin("GET", "/api/tenants");
  EXPECT_EQ(answer.status, 403);
  EXPECT_NE(answer.Json().value("error", "").find("ADMIN_TOKEN"), std::string::npos) << answer.body;
  EXPECT_EQ(client_->Get("/api/tenants/acme").status, 403);
}

TEST_F(TenantsTest, PutCreatesThenUpdatesKeepingOmittedFields) {
  HttpResult created = Admin("PUT", "/api/tenants/acme", R"({"monthlyQuota":5000,"billingDay":10})");
  ASSERT_EQ(created.status, 201) << created.body;
  json body = created.Json();
  EXPECT_EQ(body["tenantName"], "acme");
  EXPECT_EQ(body["monthlyQuota"], 5000);
  EXPECT_EQ(body["billingDay"], 10);
  EXPECT_EQ(body["webhookUrl"], nullptr);
  EXPECT_EQ(body["alertThresholds"], json({80, 100}));
  EXPECT_EQ(body["apiKeys"], json::array());

  HttpResult updated =
      Admin("PUT", "/api/tenants/acme", R"({"webhookUrl":"https://hooks.example.com/x","alertThresholds":[90,50]})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  body = updated.Json();
  EXPECT_EQ(body["monthlyQuota"], 5000);
  EXPECT_EQ(body["billingDay"], 10);
  EXPECT_EQ(body["webhookUrl"], "https://hooks.example.com/x");
  EXPECT_EQ(body["alertThresholds"], json({50, 90}));
  EXPECT_EQ(Admin("PUT", "/api/tenants/acme", R"({"webhookUrl":null})").Json()["webhookUrl"], nullptr);
  EXPECT_EQ(Admin("GET", "/api/tenants/acme").Json()["monthlyQuota"], 5000);
  EXPECT_EQ(Admin("GET", "/api/tenants/nobody").status, 404);
}

TEST_F(TenantsTest, BadSettingsAre400WithEveryProblem) {
  struct Case {
    std::string body;
    std::string path;
  };
  const std::vector<Case> cases = {
      {"not json", ""},
      {"[1]", ""},
      {R"({"monthlyQuota":-1})", "monthlyQuota"},
      {R"({"monthlyQuota":1.5})", "monthlyQuota"},
      {R"({"monthlyQuota":"100"})", "monthlyQuota"},
      {R"({"monthlyQuota":9007199254740992})", "monthlyQuota"},
      {R"({"billingDay":0})", "billingDay"},
      {R"({"billingDay":29})", "billingDay"},
      {R"({"webhookUrl":"ftp://example.com"})", "webhookUrl"},
      {R"({"webhookUrl":"http://"})", "webhookUrl"},
      {R"({"webhookUrl":42})", "webhookUrl"},
      {R"({"alertThresholds":[]})", "alertThresholds"},
      {R"({"alertThresholds":[80,80]})", "alertThresholds[1]"},
      {R"({"alertThresholds":[0]})", "alertThresholds[0]"},
      {R"({"alertThresholds":[1001]})", "alertThresholds[0]"},
      {R"({"alertThresholds":[1,2,3,4,5,6,7,8,9,10,11]})", "alertThresholds"},
      {R"({"monthly_quota":5})", "monthly_quota"},
  };
  for (const Case& bad : cases) {
    HttpResult answer = Admin("PUT", "/api/tenants/acme", bad.body);
    ASSERT_EQ(answer.status, 400) << bad.body << " -> " << answer.body;
    EXPECT_EQ(answer.Json()["error"], "Invalid request body");
    EXPECT_EQ(answer.Json()["details"][0]["path"], bad.path) << bad.body;
  }
  HttpResult many = Admin("PUT", "/api/tenants/acme", R"({"monthlyQuota":-1,"billingDay":40})");
  EXPECT_EQ(many.Json()["details"].size(), 2u);
  EXPECT_EQ(Admin("GET", "/api/tenants/acme").status, 404) << "a rejected PUT creates nothing";
  EXPECT_EQ(Admin("PUT", "/api/tenants/a%01b", "{}").status, 400);
  EXPECT_EQ(Admin("PUT", "/api/tenants/acme", "").status, 400);
}

TEST_F(TenantsTest, ListShowsEveryTenantWithCurrentPeriodUsage) {
  ASSERT_EQ(Admin("PUT", "/api/tenants/beta", R"({"monthlyQuota":200})").status, 201);
  Send("alpha", 30);
  Send("beta", 50);
  ASSERT_TRUE(WaitForTotal("beta", 50));
  ASSERT_TRUE(WaitForTotal("alpha", 30));
  HttpResult listed = Admin("GET", "/api/tenants");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json tenants = listed.Json()["tenants"];
  ASSERT_EQ(tenants.size(), 2u);
  EXPECT_EQ(tenants[0]["tenantName"], "alpha");
  EXPECT_EQ(tenants[0]["totalTokens"], 30);
  EXPECT_EQ(tenants[0]["monthlyQuota"], 1000000000);
  EXPECT_EQ(tenants[1]["tenantName"], "beta");
  EXPECT_EQ(tenants[1]["totalTokens"], 50);
  EXPECT_EQ(tenants[1]["quotaPercent"], 25);
}

TEST_F(TenantsTest, BillingDayMovesThePeriodOfUsage) {
  const std::int64_t now = NowMs();
  constexpr int kBillingDay = 15;  // any day but 1 starts the period elsewhere than the default
  ASSERT_EQ(Admin("PUT", "/api/tenants/acme", R"({"billingDay":15})").status, 201);
  const BillingPeriod period = BillingPeriodAt(now, kBillingDay);
  // One second before the period began: last period's usage, not this one's.
  const std::string before = R"({"tenant":"acme","feature":"f","tokens":1000,"timestamp":")" +
                             FormatRfc3339(period.start_ms - 1000) + R"("})";
  ASSERT_EQ(Admin("POST", "/api/events", before).status, 201);
  Send("acme", 7);
  ASSERT_TRUE(WaitForTotal("acme", 7));
  HttpResult usage = Admin("GET", "/api/usage/acme");
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_EQ(usage.Json()["totalTokens"], 7);
  EXPECT_EQ(usage.Json()["periodStart"], FormatRfc3339(period.start_ms));
  EXPECT_EQ(usage.Json()["periodEnd"], FormatRfc3339(period.end_ms));
  EXPECT_EQ(usage.Json()["billingDay"], kBillingDay);
  EXPECT_EQ(Admin("GET", "/api/tenants/acme").Json()["periodStart"], FormatRfc3339(period.start_ms));
}

}  // namespace
}  // namespace flagmeter::test
