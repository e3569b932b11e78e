#pragma once

#include <span>
#include <string>
#include <string_view>

namespace flagmeter {

// Every route but kNone is described in KnownRoutes(), in this order, and in
// the OpenAPI document docs/openapi.yaml (a unit test holds the two together).
enum class Route {
  kNone,
  kEvents,
  kUsage,
  kHealth,
  kMetrics,
  kTenants,     // GET /api/tenants
  kTenant,      // GET, PUT /api/tenants/:tenant
  kTenantKeys,  // POST /api/tenants/:tenant/keys
  kTenantKey,   // DELETE /api/tenants/:tenant/keys/:keyId
  kDashboard,   // GET /api/dashboard: every tenant's card data in one answer
  kPage,        // GET /: the dashboard page
  kAsset,       // GET /assets/:file: the page's scripts, styles and images
  kOpenApi,     // GET /api/openapi.json: the API's OpenAPI document
  kDeadLetters,         // GET /api/dead-letters: the dead-letter list, a page at a time
  kDeadLettersRedrive,  // POST /api/dead-letters/redrive: put dead letters back on the queue
  kDeadLettersDiscard,  // POST /api/dead-letters/discard: drop dead letters for good
};

/// A route as the metrics and the 405 answer name it.
struct RouteInfo {
  Route route = Route::kNone;
  std::string_view pattern;  // "/api/usage/:tenant"
  std::string_view allow;    // "GET, HEAD": the methods it accepts
};

/// Every route but kNone, in the order of Route. Thread-safe.
std::span<const RouteInfo> KnownRoutes();

/// Where a request goes, decided from its method and target alone.
struct RouteMatch {
  Route route = Route::kNone;
  std::string_view pattern = "other";  // the metrics label: "/api/usage/:tenant", never a raw path
  std::string_view allow;              // the methods the route accepts, for 405's Allow header
  bool method_allowed = false;
  std::string_view tenant;             // kUsage, kTenant*: the raw (still percent-encoded) path segment
  std::string_view key_id;             // kTenantKey: the raw path segment
  std::string_view path;               // kPage, kAsset: the path without the query
  std::string_view query;              // after '?', without it
};

/// Matches `target` (origin-form, "/api/usage/acme?x=1") against the API's
/// routes. HEAD is accepted wherever GET is.
RouteMatch MatchRoute(std::string_view method, std::string_view target);

/// Decodes %XX escapes exactly once ("+" stays "+"). False for a malformed
/// escape ("%4", "%zz").
bool PercentDecode(std::string_view text, std::string& out);

}  // namespace flagmeter
