#include "flagmeter/http/router.hpp"

#include <cstddef>
#include <iterator>

namespace flagmeter {
namespace {

constexpr std::string_view kUsagePrefix = "/api/usage/";
constexpr std::string_view kTenantsPath = "/api/tenants";
constexpr std::string_view kTenantsPrefix = "/api/tenants/";
constexpr std::string_view kAssetsPrefix = "/assets/";

// HEAD is accepted wherever GET is.
constexpr RouteInfo kRoutes[] = {
    {Route::kEvents, "/api/events", "POST"},
    {Route::kUsage, "/api/usage/:tenant", "GET, HEAD"},
    {Route::kHealth, "/api/health", "GET, HEAD"},
    {Route::kMetrics, "/metrics", "GET, HEAD"},
    {Route::kTenants, "/api/tenants", "GET, HEAD"},
    {Route::kTenant, "/api/tenants/:tenant", "GET, HEAD, PUT"},
    {Route::kTenantKeys, "/api/tenants/:tenant/keys", "POST"},
    {Route::kTenantKey, "/api/tenants/:tenant/keys/:keyId", "DELETE"},
    {Route::kDashboard, "/api/dashboard", "GET, HEAD"},
    {Route::kPage, "/", "GET, HEAD"},
    {Route::kAsset, "/assets/:file", "GET, HEAD"},
    {Route::kOpenApi, "/api/openapi.json", "GET, HEAD"},
    {Route::kDeadLetters, "/api/dead-letters", "GET, HEAD"},
    {Route::kDeadLettersRedrive, "/api/dead-letters/redrive", "POST"},
    {Route::kDeadLettersDiscard, "/api/dead-letters/discard", "POST"},
};

constexpr bool RoutesInEnumOrder() {
  for (std::size_t i = 0; i < std::size(kRoutes); ++i) {
    if (static_cast<std::size_t>(kRoutes[i].route) != i + 1) return false;
  }
  return true;
}
static_assert(RoutesInEnumOrder(), "kRoutes[i] must describe Route(i + 1)");

// Whether `method` is one of the comma-separated `allow` list.
bool Allows(std::string_view allow, std::string_view method) {
  while (!allow.empty()) {
    const std::size_t comma = allow.find(',');
    if (allow.substr(0, comma) == method) return true;
    if (comma == std::string_view::npos) break;
    allow.remove_prefix(comma + 1);
    while (allow.starts_with(' ')) allow.remove_prefix(1);
  }
  return false;
}

RouteMatch Make(Route route, std::string_view method) {
  const RouteInfo& info = kRoutes[static_cast<std::size_t>(route) - 1];
  RouteMatch match;
  match.route = route;
  match.pattern = info.pattern;
  match.allow = info.allow;
  match.method_allowed = Allows(info.allow, method);
  return match;
}

// /api/tenants/:tenant[/keys[/:keyId]]: segments split on the raw '/', so an
// encoded %2F stays inside its segment.
RouteMatch MatchTenantRoute(std::string_view method, std::string_view rest) {
  const std::size_t slash = rest.find('/');
  const std::string_view tenant = rest.substr(0, slash);
  RouteMatch match;
  if (tenant.empty()) return match;
  if (slash == std::string_view::npos) {
    match = Make(Route::kTenant, method);
  } else if (const std::string_view tail = rest.substr(slash); tail == "/keys") {
    match = Make(Route::kTenantKeys, method);
  } else if (tail.starts_with("/keys/") && tail.size() > 6 && tail.find('/', 6) == std::string_view::npos) {
    match = Make(Route::kTenantKey, method);
    match.key_id = tail.substr(6);
  } else {
    return match;
  }
  match.tenant = tenant;
  return match;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::span<const RouteInfo> KnownRoutes() { return kRoutes; }

RouteMatch MatchRoute(std::string_view method, std::string_view target) {
  std::string_view path = target;
  std::string_view query;
  if (const auto mark = target.find('?'); mark != std::string_view::npos) {
    path = target.substr(0, mark);
    query = target.substr(mark + 1);
  }
  RouteMatch match;
  if (path == "/api/events") {
    match = Make(Route::kEvents, method);
  } else if (path == "/api/health") {
    match = Make(Route::kHealth, method);
  } else if (path == "/metrics") {
    match = Make(Route::kMetrics, method);
  } else if (path.starts_with(kUsagePrefix) && path.size() > kUsagePrefix.size() &&
             path.find('/', kUsagePrefix.size()) == std::string_view::npos) {
    match = Make(Route::kUsage, method);
    match.tenant = path.substr(kUsagePrefix.size());
  } else if (path == kTenantsPath) {
    match = Make(Route::kTenants, method);
  } else if (path.starts_with(kTenantsPrefix)) {
    match = MatchTenantRoute(method, path.substr(kTenantsPrefix.size()));
  } else if (path == "/api/dashboard") {
    match = Make(Route::kDashboard, method);
  } else if (path == "/api/openapi.json") {
    match = Make(Route::kOpenApi, method);
  } else if (path == "/api/dead-letters") {
    match = Make(Route::kDeadLetters, method);
  } else if (path == "/api/dead-letters/redrive") {
    match = Make(Route::kDeadLettersRedrive, method);
  } else if (path == "/api/dead-letters/discard") {
    match = Make(Route::kDeadLettersDiscard, method);
  } else if (path == "/" || path == "/index.html") {
    match = Make(Route::kPage, method);
    match.path = path;
  } else if (path.starts_with(kAssetsPrefix) && path.size() > kAssetsPrefix.size()) {
    // Which files exist is the handler's business: an unknown one is a 404
    // under this route's label, so label values stay bounded.
    match = Make(Route::kAsset, method);
    match.path = path;
  }
  match.query = query;
  return match;
}

bool PercentDecode(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return true;
}

}  // namespace flagmeter
