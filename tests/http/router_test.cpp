#include "flagmeter/http/router.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flagmeter {
namespace {

TEST(Router, MatchesEveryRouteWithItsPattern) {
  EXPECT_EQ(MatchRoute("POST", "/api/events").route, Route::kEvents);
  EXPECT_EQ(MatchRoute("GET", "/api/health").route, Route::kHealth);
  EXPECT_EQ(MatchRoute("GET", "/metrics").route, Route::kMetrics);
  const RouteMatch usage = MatchRoute("GET", "/api/usage/acme-corp?from=x");
  EXPECT_EQ(usage.route, Route::kUsage);
  EXPECT_EQ(usage.pattern, "/api/usage/:tenant");
  EXPECT_EQ(usage.tenant, "acme-corp");
  EXPECT_EQ(usage.query, "from=x");
  EXPECT_TRUE(usage.method_allowed);
}

TEST(Router, WrongMethodKeepsTheRouteAndSaysWhatIsAllowed) {
  const RouteMatch events = MatchRoute("GET", "/api/events");
  EXPECT_EQ(events.route, Route::kEvents);
  EXPECT_FALSE(events.method_allowed);
  EXPECT_EQ(events.allow, "POST");
  const RouteMatch usage = MatchRoute("DELETE", "/api/usage/acme");
  EXPECT_FALSE(usage.method_allowed);
  EXPECT_EQ(usage.allow, "GET, HEAD");
  EXPECT_TRUE(MatchRoute("HEAD", "/api/health").method_allowed);
}

TEST(Router, UnknownPathsAreOther) {
  for (const char* target : {"/index.htm", "/api", "/api/events/1", "/api/usage/", "/api/usage/a/b", "/metricsx", "*"}) {
    const RouteMatch match = MatchRoute("GET", target);
    EXPECT_EQ(match.route, Route::kNone) << target;
    EXPECT_EQ(match.pattern, "other") << target;
  }
}

TEST(Router, DashboardPageAssetsAndData) {
  const RouteMatch page = MatchRoute("GET", "/?tenant=x");
  EXPECT_EQ(page.route, Route::kPage);
  EXPECT_EQ(page.pattern, "/");
  EXPECT_EQ(page.path, "/");
  EXPECT_EQ(MatchRoute("HEAD", "/index.html").route, Route::kPage);
  const RouteMatch asset = MatchRoute("GET", "/assets/app.js?v=2");
  EXPECT_EQ(asset.route, Route::kAsset);
  EXPECT_EQ(asset.pattern, "/assets/:file");
  EXPECT_EQ(asset.path, "/assets/app.js");
  EXPECT_EQ(MatchRoute("GET", "/assets/").route, Route::kNone);
  const RouteMatch data = MatchRoute("GET", "/api/dashboard");
  EXPECT_EQ(data.route, Route::kDashboard);
  EXPECT_EQ(data.pattern, "/api/dashboard");
  const RouteMatch post = MatchRoute("POST", "/");
  EXPECT_FALSE(post.method_allowed);
  EXPECT_EQ(post.allow, "GET, HEAD");
}

TEST(Router, OpenApiDocument) {
  const RouteMatch document = MatchRoute("GET", "/api/openapi.json");
  EXPECT_EQ(document.route, Route::kOpenApi);
  EXPECT_EQ(document.pattern, "/api/openapi.json");
  EXPECT_TRUE(document.method_allowed);
  EXPECT_TRUE(MatchRoute("HEAD", "/api/openapi.json?x=1").method_allowed);
  const RouteMatch post = MatchRoute("POST", "/api/openapi.json");
  EXPECT_EQ(post.route, Route::kOpenApi);
  EXPECT_FALSE(post.method_allowed);
  EXPECT_EQ(post.allow, "GET, HEAD");
  EXPECT_EQ(MatchRoute("GET", "/api/openapi.yaml").route, Route::kNone);
}

TEST(Router, KnownRoutesDescribeWhatMatches) {
  ASSERT_FALSE(KnownRoutes().empty());
  for (const RouteInfo& info : KnownRoutes()) {
    EXPECT_NE(info.route, Route::kNone);
    EXPECT_FALSE(info.allow.empty()) << info.pattern;
  }
  EXPECT_TRUE(MatchRoute("PUT", "/api/tenants/acme").method_allowed);
  EXPECT_FALSE(MatchRoute("PU", "/api/tenants/acme").method_allowed);
  EXPECT_FALSE(MatchRoute("", "/api/tenants/acme").method_allowed);
}

TEST(PercentDecode, DecodesOnceAndKeepsPlus) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a%2Fb+c", out));
  EXPECT_EQ(out, "a/b+c");
  ASSERT_TRUE(PercentDecode("%2541", out));
  EXPECT_EQ(out, "%41");
  ASSERT_TRUE(PercentDecode("caf%C3%A9", out));
  EXPECT_EQ(out, "caf\xC3\xA9");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  std::string out;
  EXPECT_FALSE(PercentDecode("%", out));
  EXPECT_FALSE(PercentDecode("ab%4", out));
  EXPECT_FALSE(PercentDecode("%zz", out));
}

TEST(Router, PatternIsAKnownRouteOrOtherWhateverThePath) {
  const std::vector<std::string> targets = {
      "/", "/x", "/api", "/api/", "/api/usage/", "/api/usage/a/b", "/api/usage/%2F%2F?x=1", "/api/tenants/",
      "/api/tenants/a/keys/b/c", "/api/tenants/a/other", "/assets/", "/assets/no-such-file.js", "/metrics/x",
      "/api/events/1", "*", "", "http://example.com/api/events", "/" + std::string(5000, 'a')};
  for (const std::string& target : targets) {
    for (const char* method : {"GET", "DELETE", "BREW"}) {
      const RouteMatch match = MatchRoute(method, target);
      bool known = match.pattern == "other";
      for (const RouteInfo& info : KnownRoutes()) known = known || match.pattern == info.pattern;
      EXPECT_TRUE(known) << method << " " << target.substr(0, 80) << " -> " << match.pattern;
      EXPECT_EQ(match.route == Route::kNone, match.pattern == "other") << target.substr(0, 80);
    }
  }
}

}  // namespace
}  // namespace flagmeter
