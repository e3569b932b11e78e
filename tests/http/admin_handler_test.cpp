#include "http/admin_handler.hpp"

#include <gtest/gtest.h>

#include "http/route_harness.hpp"

namespace flagmeter {
namespace {

using boost::beast::http::verb;
using testing::BodyOf;
using testing::RouteHarness;

TenantDetails AcmeDetails() {
  TenantDetails details;
  details.overview.tenant_id = "00000000-0000-4000-8000-000000000001";
  details.overview.tenant_name = "acme";
  details.overview.monthly_quota = 5000;
  return details;
}

TEST(AdminRoutes, NeedTheAdminTokenAndAreOffWithoutOne) {
  RouteHarness harness;
  EXPECT_EQ(harness.Send(verb::get, "/api/tenants/acme").result_int(), 401u);
  EXPECT_EQ(harness.Send(verb::get, "/api/tenants/acme", "", "wrong").result_int(), 401u);
  harness.services.access.admin_token.clear();
  const HttpResponse off = harness.Send(verb::get, "/api/tenants/acme", "", RouteHarness::kAdminToken);
  EXPECT_EQ(off.result_int(), 403u);
  EXPECT_TRUE(harness.tenants.calls.empty());
}

TEST(AdminRoutes, GetAndListCallTheServiceAndMapItsAnswers) {
  RouteHarness harness;
  harness.tenants.details = AcmeDetails();
  HttpResponse response = harness.Admin(verb::get, "/api/tenants/acme");
  ASSERT_EQ(response.result_int(), 200u);
  EXPECT_EQ(BodyOf(response)["monthlyQuota"], 5000);
  harness.tenants.details = Status::NotFound("Tenant 'ghost' not found");
  response = harness.Admin(verb::get, "/api/tenants/ghost");
  EXPECT_EQ(response.result_int(), 404u);
  EXPECT_EQ(BodyOf(response)["error"], "Tenant 'ghost' not found");
  harness.tenants.list = Status::Overloaded("ADMIN_QUEUE calls wait");
  response = harness.Admin(verb::get, "/api/tenants?limit=10");
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(BodyOf(response)["error"], "Too many admin calls are waiting (ADMIN_QUEUE); retry shortly");
  EXPECT_EQ(harness.Admin(verb::get, "/api/tenants?limit=51").result_int(), 400u);  // above max_tenants_per_page
  EXPECT_EQ(harness.tenants.calls, (std::vector<std::string>{"get acme", "get ghost", "list"}));
}

TEST(AdminRoutes, PutIs201WhenCreated200WhenUpdatedAnd400ForARefusedWebhook) {
  RouteHarness harness;
  harness.tenants.write = TenantWrite{AcmeDetails(), true, ""};
  EXPECT_EQ(harness.Admin(verb::put, "/api/tenants/acme", R"({"monthlyQuota":5000})").result_int(), 201u);
  ASSERT_EQ(harness.tenants.updates.size(), 1u);
  EXPECT_EQ(harness.tenants.updates[0].monthly_quota, 5000);
  harness.tenants.write = TenantWrite{AcmeDetails(), false, ""};
  EXPECT_EQ(harness.Admin(verb::put, "/api/tenants/acme", R"({"monthlyQuota":5000})").result_int(), 200u);
  harness.tenants.write = TenantWrite{{}, false, "resolves to a private address (10.0.0.5)"};
  const HttpResponse refused =
      harness.Admin(verb::put, "/api/tenants/acme", R"({"webhookUrl":"http://internal.example/hook"})");
  EXPECT_EQ(refused.result_int(), 400u);
  EXPECT_EQ(BodyOf(refused)["details"][0]["path"], "webhookUrl");
  EXPECT_EQ(BodyOf(refused)["details"][0]["message"], "webhookUrl resolves to a private address (10.0.0.5)");
  // Invalid bodies are refused before the service is called.
  EXPECT_EQ(harness.Admin(verb::put, "/api/tenants/acme", R"({"monthlyQuota":-1})").result_int(), 400u);
  EXPECT_EQ(harness.tenants.updates.size(), 3u);
}

TEST(AdminRoutes, KeysAreCreatedAndRevokedThroughTheService) {
  RouteHarness harness;
  harness.tenants.created_key = CreatedKey{NewApiKey{"fm_secret", "key_00112233aabbccdd", "hash", "cret"},
                                           ApiKeyInfo{"key_00112233aabbccdd", "cret", 1000, std::nullopt, 7}};
  const HttpResponse created = harness.Admin(verb::post, "/api/tenants/acme/keys");
  ASSERT_EQ(created.result_int(), 201u);
  EXPECT_EQ(BodyOf(created)["key"], "fm_secret");
  harness.tenants.revoked_key = ApiKeyEntry{"hash", "acme", true, 8};
  EXPECT_EQ(harness.Admin(verb::delete_, "/api/tenants/acme/keys/key_00112233aabbccdd").result_int(), 200u);
  // A key id of the wrong shape is not looked up.
  EXPECT_EQ(harness.Admin(verb::delete_, "/api/tenants/acme/keys/nope").result_int(), 404u);
  EXPECT_EQ(harness.tenants.calls,
            (std::vector<std::string>{"create-key acme", "revoke acme key_00112233aabbccdd"}));
}

}  // namespace
}  // namespace flagmeter
