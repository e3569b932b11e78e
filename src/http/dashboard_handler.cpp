#include "http/dashboard_handler.hpp"

#include <memory>
#include <string>

#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/http/api_json.hpp"
#include "flagmeter/services/query_service.hpp"
#include "http/admin_auth.hpp"
#include "http/await_callback.hpp"
#include "http/dashboard_json.hpp"
#include "http/request_parts.hpp"
#include "http/static_assets.hpp"
#include "http/tenant_page_params.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// The answers to a dashboard or history read that failed.
constexpr FailureWording kDashboardFailure{.operation = "dashboard read",
                                           .unavailable = "The dashboard cannot be read right now; retry shortly"};

boost::asio::awaitable<HttpResponse> DashboardData(const HttpRequest& request, const RouteMatch& match,
                                                   const ApiServices& services) {
  if (services.access.require_api_keys) {
    if (std::optional<HttpResponse> denied = CheckAdmin(request, services)) co_return std::move(*denied);
  }
  auto parsed = ParseTenantPage(match.query, services.limits.max_tenants_per_page);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const Reply<DashboardSnapshot> snapshot = co_await AwaitCallback<Reply<DashboardSnapshot>>(
      [&services, &parsed](ReplyCallback<DashboardSnapshot> done) {
        services.queries.Dashboard(std::get<TenantPageRequest>(std::move(parsed)), std::move(done));
      });
  if (!snapshot->ok()) co_return FailureResponse(snapshot->status(), kDashboardFailure);
  HttpResponse response = JsonResponse(200, DashboardJson(snapshot->value()));
  response.set(http::field::cache_control, "no-store");
  co_return response;
}

HttpResponse Asset(const HttpRequest& request, const RouteMatch& match) {
  const StaticAsset* asset = FindStaticAsset(match.path);
  if (asset == nullptr) return ErrorResponse(404, "No file " + std::string(match.path.substr(0, 200)));
  return StaticAssetResponse(*asset, HeaderValue(request, http::field::if_none_match));
}

}  // namespace

boost::asio::awaitable<HttpResponse> HandleDashboardRoute(const HttpRequest& request, const RouteMatch& match,
                                                          const ApiServices& services) {
  if (match.route == Route::kDashboard) co_return co_await DashboardData(request, match, services);
  co_return Asset(request, match);
}

}  // namespace flagmeter
