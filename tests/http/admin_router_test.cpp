#include <gtest/gtest.h>

#include "flagmeter/http/router.hpp"

namespace flagmeter {
namespace {

TEST(AdminRouter, MatchesTheTenantRoutesWithTheirPatterns) {
  EXPECT_EQ(MatchRoute("GET", "/api/tenants").route, Route::kTenants);
  const RouteMatch tenant = MatchRoute("PUT", "/api/tenants/a%2Fb");
  EXPECT_EQ(tenant.route, Route::kTenant);
  EXPECT_EQ(tenant.pattern, "/api/tenants/:tenant");
  EXPECT_EQ(tenant.tenant, "a%2Fb");
  EXPECT_TRUE(tenant.method_allowed);
  const RouteMatch keys = MatchRoute("POST", "/api/tenants/acme/keys");
  EXPECT_EQ(keys.route, Route::kTenantKeys);
  EXPECT_EQ(keys.tenant, "acme");
  const RouteMatch key = MatchRoute("DELETE", "/api/tenants/acme/keys/key_0123456789abcdef");
  EXPECT_EQ(key.route, Route::kTenantKey);
  EXPECT_EQ(key.pattern, "/api/tenants/:tenant/keys/:keyId");
  EXPECT_EQ(key.key_id, "key_0123456789abcdef");
}

TEST(AdminRouter, WrongMethodsAndUnknownPathsAreTold) {
  EXPECT_FALSE(MatchRoute("POST", "/api/tenants").method_allowed);
  EXPECT_EQ(MatchRoute("DELETE", "/api/tenants/acme").allow, "GET, HEAD, PUT");
  EXPECT_FALSE(MatchRoute("GET", "/api/tenants/acme/keys").method_allowed);
  EXPECT_EQ(MatchRoute("GET", "/api/tenants/").route, Route::kNone);
  EXPECT_EQ(MatchRoute("GET", "/api/tenants/acme/other").route, Route::kNone);
  EXPECT_EQ(MatchRoute("DELETE", "/api/tenants/acme/keys/").route, Route::kNone);
  EXPECT_EQ(MatchRoute("DELETE", "/api/tenants/acme/keys/a/b").route, Route::kNone);
}

}  // namespace
}  // namespace flagmeter
