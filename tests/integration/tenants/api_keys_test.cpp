// API keys and tenant isolation (REQUIRE_API_KEYS=true) against the real binary.
#include <string>

#include <nlohmann/json.hpp>

#include "tenants_fixture.hpp"

namespace flagmeter::test {
namespace {

class ApiKeysTest : public TenantsTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override { return {{"REQUIRE_API_KEYS", "true"}}; }

  static std::string Event(const std::string& tenant) {
    return R"({"tenant":")" + tenant + R"(","feature":"f","tokens":5})";
  }

  HttpResult Post(const std::string& key, const std::string& body) {
    if (key.empty()) return client_->PostJson("/api/events", body);
    return WithToken(key, "POST", "/api/events", body);
  }
  HttpResult Usage(const std::string& key, const std::string& tenant) {
    if (key.empty()) return client_->Get("/api/usage/" + tenant);
    return WithToken(key, "GET", "/api/usage/" + tenant);
  }
};

TEST_F(ApiKeysTest, AKeyReachesOnlyItsOwnTenant) {
  ASSERT_EQ(Admin("PUT", "/api/tenants/acme", "{}").status, 201);
  ASSERT_EQ(Admin("PUT", "/api/tenants/globex", "{}").status, 201);
  const auto [acme_key, acme_id] = CreateKey("acme");
  const auto [globex_key, globex_id] = CreateKey("globex");
  ASSERT_EQ(acme_key.rfind("fm_", 0), 0u);
  ASSERT_NE(acme_key, globex_key);

  EXPECT_EQ(Post("", Event("acme")).status, 401);
  EXPECT_EQ(Post("fm_" + std::string(43, 'A'), Event("acme")).status, 401);
  EXPECT_EQ(Post("not-a-key", Event("acme")).status, 401);
  EXPECT_EQ(Post(globex_key, Event("acme")).status, 403);
  EXPECT_EQ(Post(acme_key, "[" + Event("acme") + "," + Event("globex") + "]").status, 403);
  EXPECT_EQ(Post(acme_key, Event("acme")).status, 201);
  EXPECT_EQ(Post(kAdminToken, Event("acme")).status, 201);
  ASSERT_TRUE(WaitForTotal("acme", 10));

  EXPECT_EQ(Usage("", "acme").status, 401);
  EXPECT_EQ(Usage(globex_key, "acme").status, 403);
  EXPECT_EQ(Usage(acme_key, "acme").Json()["totalTokens"], 10);
  EXPECT_EQ(Usage(kAdminToken, "acme").status, 200);
  EXPECT_EQ(Usage(acme_key, "globex").status, 403);
}

TEST_F(ApiKeysTest, ARevokedKeyIsRefusedAtOnce) {
  ASSERT_EQ(Admin("PUT", "/api/tenants/acme", "{}").status, 201);
  const auto [key, key_id] = CreateKey("acme");
  ASSERT_EQ(Post(key, Event("acme")).status, 201);
  HttpResult revoked = Admin("DELETE", "/api/tenants/acme/keys/" + key_id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  HttpResult refused = Post(key, Event("acme"));
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.Json().value("error", "").find("revoked"), std::string::npos) << refused.body;
  EXPECT_EQ(Usage(key, "acme").status, 401);
  EXPECT_EQ(Admin("DELETE", "/api/tenants/acme/keys/" + key_id).status, 200) << "revoking twice is fine";
  EXPECT_EQ(Admin("DELETE", "/api/tenants/acme/keys/key_0000000000000000").status, 404);
  EXPECT_EQ(Admin("POST", "/api/tenants/nobody/keys").status, 404);
  const nlohmann::json keys = Admin("GET", "/api/tenants/acme").Json()["apiKeys"];
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["keyId"], key_id);
  EXPECT_NE(keys[0]["revokedAt"], nullptr);
  EXPECT_EQ(keys[0].dump().find(key), std::string::npos) << "the key itself is never shown again";
  EXPECT_EQ(Sql("SELECT count(*) FROM api_keys WHERE key_hash = '" + key + "'"), 0);
}

TEST_F(ApiKeysTest, KeysWorkAcrossInstancesAndRevocationReachesThemWithinTwoSeconds) {
  ASSERT_TRUE(StartProcess());
  HttpClient other(processes_[1]->port());
  ASSERT_EQ(Admin("PUT", "/api/tenants/acme", "{}").status, 201);
  const auto [key, key_id] = CreateKey("acme");
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key},
                                                   {"Content-Type", "application/json"}};
  // Made on the first instance, accepted by the second at once (look-up).
  EXPECT_EQ(other.Request("POST", "/api/events", Event("acme"), auth).status, 201);
  ASSERT_EQ(Admin("DELETE", "/api/tenants/acme/keys/" + key_id).status, 200);
  const auto revoked_at = std::chrono::steady_clock::now();
  int status = 0;
  while (std::chrono::steady_clock::now() - revoked_at < std::chrono::seconds(3)) {
    status = other.Request("POST", "/api/events", Event("acme"), auth).status;
    if (status == 401) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 401);
  EXPECT_LE(std::chrono::steady_clock::now() - revoked_at, std::chrono::seconds(2));
}

TEST_F(TenantsTest, WithoutRequireApiKeysTheApiStaysOpen) {
  EXPECT_EQ(client_->PostJson("/api/events", R"({"tenant":"acme","feature":"f","tokens":5})").status, 201);
  EXPECT_TRUE(WaitForTotal("acme", 5));
  EXPECT_EQ(client_->Get("/api/usage/acme").status, 200);
}

}  // namespace
}  // namespace flagmeter::test
