#include "http/api_handler.hpp"

#include <exception>

#include <boost/beast/http/field.hpp>
#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include "flagmeter/core/clock.hpp"
#include "flagmeter/http/api_json.hpp"
#include "flagmeter/http/router.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/monitor/health_snapshot.hpp"
#include "http/admin_auth.hpp"
#include "http/admin_handler.hpp"
#include "http/dashboard_handler.hpp"
#include "http/dead_letter_handler.hpp"
#include "http/event_routes.hpp"
#include "http/openapi_document.hpp"
#include "http/usage_routes.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

HttpResponse Health(const ApiServices& services) {
  const HealthSnapshot health = services.health();
  return JsonResponse(HealthStateOf(health) == HealthState::kUnhealthy ? 503 : 200, HealthJson(health, NowMs()));
}

HttpResponse MetricsText(const ApiServices& services) {
  HttpResponse response(http::status::ok, 11);
  response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  response.body() = services.metrics.Serialize();
  return response;
}

boost::asio::awaitable<HttpResponse> Dispatch(const HttpRequest& request, const RouteMatch& match,
                                              const ApiServices& services) {
  if (match.route == Route::kNone) {
    co_return ErrorResponse(404, NoRouteMessage(request.method_string(), request.target()));
  }
  if (!match.method_allowed) {
    HttpResponse response = ErrorResponse(405, MethodNotAllowedMessage(request.method_string(), match.allow));
    response.set(http::field::allow, match.allow);
    co_return response;
  }
  switch (match.route) {
    case Route::kEvents:
    case Route::kUsage: {
      // With REQUIRE_API_KEYS off everyone reaches every tenant: no check, and
      // no coroutine frame for it, on the hot path.
      std::variant<DataAccess, HttpResponse> access = DataAccess{};
      if (services.access.require_api_keys) access = co_await CheckApiKey(request, services);
      if (auto* denied = std::get_if<HttpResponse>(&access)) co_return std::move(*denied);
      const DataAccess& granted = std::get<DataAccess>(access);
      if (match.route == Route::kEvents) co_return co_await PostEvents(request, granted, services);
      co_return co_await GetUsage(match, granted, services);
    }
    case Route::kHealth: co_return Health(services);
    case Route::kMetrics: co_return MetricsText(services);
    case Route::kOpenApi: co_return JsonResponse(200, std::string(OpenApiJson()));
    case Route::kTenants:
    case Route::kTenant:
    case Route::kTenantKeys:
    case Route::kTenantKey: co_return co_await HandleAdmin(request, match, services);
    case Route::kDashboard:
    case Route::kPage:
    case Route::kAsset: co_return co_await HandleDashboardRoute(request, match, services);
    case Route::kDeadLetters:
    case Route::kDeadLettersRedrive:
    case Route::kDeadLettersDiscard: co_return co_await HandleDeadLetters(request, match, services);
    case Route::kNone: break;
  }
  co_return ErrorResponse(404, "No route");
}

}  // namespace

boost::asio::awaitable<HandledRequest> HandleRequest(const HttpRequest& request, const ApiServices& services) {
  const RouteMatch match = MatchRoute(request.method_string(), request.target());
  // The 500 is built only when needed; a co_await stays out of the braced
  // initialiser (GCC 12 destroys such temporaries twice).
  HttpResponse response;
  bool answered = false;
  try {
    response = co_await Dispatch(request, match, services);
    answered = true;
  } catch (const std::exception& error) {
    spdlog::error("http: {} {} failed: {}", std::string(request.method_string()), std::string(match.pattern),
                  error.what());
  }
  if (!answered) response = ErrorResponse(500, "Internal server error");
  co_return HandledRequest{std::move(response), match.pattern};
}

}  // namespace flagmeter
