#include "flagmeter/http/router.hpp"

namespace flagmeter {
namespace {

constexpr std::string_view kUsagePrefix = "/api/usage/";
constexpr std::string_view kTenantsPath = "/api/tenants";
constexpr std::string_view kTenantsPrefix = "/api/tenants/";
constexpr std::string_view kAssetsPrefix = "/assets/";

bool IsRead(std::string_view method) { return method == "GET" || method == "HEAD"; }

RouteMatch Make(Route route, std::string_view pattern, std::string_view allow, bool allowed) {
  RouteMatch match;
  match.route = route;
  match.pattern = pattern;
  match.allow = allow;
  match.method_allowed = allowed;
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
    match = Make(Route::kTenant, "/api/tenants/:tenant", "GET, HEAD, PUT", IsRead(method) || method == "PUT");
  } else if (const std::string_view tail = rest.substr(slash); tail == "/keys") {
    match = Make(Route::kTenantKeys, "/api/tenants/:tenant/keys", "POST", method == "POST");
  } else if (tail.starts_with("/keys/") && tail.size() > 6 && tail.find('/', 6) == std::string_view::npos) {
    match = Make(Route::kTenantKey, "/api/tenants/:tenant/keys/:keyId", "DELETE", method == "DELETE");
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

RouteMatch MatchRoute(std::string_view method, std::string_view target) {
  std::string_view path = target;
  std::string_view query;
  if (const auto mark = target.find('?'); mark != std::string_view::npos) {
    path = target.substr(0, mark);
    query = target.substr(mark + 1);
  }
  RouteMatch match;
  if (path == "/api/events") {
    match = Make(Route::kEvents, "/api/events", "POST", method == "POST");
  } else if (path == "/api/health") {
    match = Make(Route::kHealth, "/api/health", "GET, HEAD", IsRead(method));
  } else if (path == "/metrics") {
    match = Make(Route::kMetrics, "/metrics", "GET, HEAD", IsRead(method));
  } else if (path.starts_with(kUsagePrefix) && path.size() > kUsagePrefix.size() &&
             path.find('/', kUsagePrefix.size()) == std::string_view::npos) {
    match = Make(Route::kUsage, "/api/usage/:tenant", "GET, HEAD", IsRead(method));
    match.tenant = path.substr(kUsagePrefix.size());
  } else if (path == kTenantsPath) {
    match = Make(Route::kTenants, "/api/tenants", "GET, HEAD", IsRead(method));
  } else if (path.starts_with(kTenantsPrefix)) {
    match = MatchTenantRoute(method, path.substr(kTenantsPrefix.size()));
  } else if (path == "/api/dashboard") {
    match = Make(Route::kDashboard, "/api/dashboard", "GET, HEAD", IsRead(method));
  } else if (path == "/" || path == "/index.html") {
    match = Make(Route::kPage, "/", "GET, HEAD", IsRead(method));
    match.path = path;
  } else if (path.starts_with(kAssetsPrefix) && path.size() > kAssetsPrefix.size()) {
    // Which files exist is the handler's business: an unknown one is a 404
    // under this route's label, so label values stay bounded.
    match = Make(Route::kAsset, "/assets/:file", "GET, HEAD", IsRead(method));
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
