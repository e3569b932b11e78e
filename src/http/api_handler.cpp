#include "http/api_handler.hpp"

#include <algorithm>
#include <cctype>
#include <exception>

#include <boost/beast/http/field.hpp>
#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include "flagmeter/core/clock.hpp"
#include "flagmeter/http/api_json.hpp"
#include "flagmeter/http/router.hpp"
#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/ingest/name_rules.hpp"
#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/monitor/background_monitor.hpp"
#include "flagmeter/query/usage_service.hpp"
#include "flagmeter/queue/event_codec.hpp"
#include "flagmeter/queue/event_sink.hpp"
#include "http/admin_auth.hpp"
#include "http/admin_handler.hpp"
#include "http/await_callback.hpp"
#include "http/dashboard_handler.hpp"
#include "http/dashboard_params.hpp"
#include "http/dead_letter_handler.hpp"
#include "http/openapi_document.hpp"
#include "http/tenant_creation.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// The answers to a push the queue did not take.
constexpr FailureWording kPushFailure{.operation = "event push",
                                      .unavailable = "The event queue is unavailable; retry shortly",
                                      .overloaded = "Too many events are waiting to be stored; retry shortly"};
// The answers to a usage read that failed.
constexpr FailureWording kUsageFailure{.operation = "usage read",
                                       .unavailable = "Usage cannot be read right now; retry shortly"};

// A key reaches only its own tenant: every event of a batch must be of it.
std::optional<HttpResponse> CheckEventTenants(const DataAccess& access, const ParsedEvents& accepted) {
  if (access.all_tenants) return std::nullopt;
  for (const Event& event : accepted.events) {
    if (event.tenant != access.tenant) return OtherTenantResponse(access, event.tenant);
  }
  return std::nullopt;
}

boost::asio::awaitable<HttpResponse> PostEvents(const HttpRequest& request, const DataAccess& access,
                                                const ApiServices& services) {
  if (!IsJsonContentType(request[http::field::content_type])) {
    co_return ErrorResponse(415, "Content-Type must be application/json");
  }
  ParseOptions options{.now_ms = NowMs(), .max_batch_events = services.max_batch_events};
  auto parsed = ParseEvents(request.body(), options);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  ParsedEvents& accepted = std::get<ParsedEvents>(parsed);
  if (std::optional<HttpResponse> denied = CheckEventTenants(access, accepted)) co_return std::move(*denied);
  std::optional<HttpResponse> refused = co_await AdmitEventTenants(accepted.events, services);
  if (refused) co_return std::move(*refused);
  std::vector<std::string> encoded;
  encoded.reserve(accepted.events.size());
  for (const Event& event : accepted.events) encoded.push_back(EncodeEvent(event));
  const Status pushed = co_await AwaitCallback<Status>(
      [&services, &encoded](EventSink::Callback done) { services.sink.Push(std::move(encoded), std::move(done)); });
  if (!pushed.ok()) co_return FailureResponse(pushed, kPushFailure);
  services.metrics.events_accepted.Increment(static_cast<double>(accepted.events.size()));
  co_return JsonResponse(201, AcceptedJson(accepted));
}

boost::asio::awaitable<HttpResponse> GetUsage(const RouteMatch& match, const DataAccess& access,
                                              const ApiServices& services) {
  HttpResponse problem;  // set by TenantFromPath when the name is bad
  const std::optional<std::string> decoded = TenantFromPath(match.tenant, problem);
  if (!decoded) co_return problem;
  const std::string& tenant = *decoded;
  if (!access.all_tenants && access.tenant != tenant) co_return OtherTenantResponse(access, tenant);
  auto series = ParseSeriesRequest(match.query, NowMs());
  if (auto* errors = std::get_if<std::vector<FieldError>>(&series)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  const std::optional<SeriesRequest>& series_request = std::get<std::optional<SeriesRequest>>(series);
  using UsageResult = std::shared_ptr<const Result<TenantUsage>>;
  const UsageResult usage = co_await AwaitCallback<UsageResult>([&services, &tenant](auto done) {
    services.usage.GetUsage(tenant, [done = std::move(done)](const Result<TenantUsage>& result) {
      done(std::make_shared<const Result<TenantUsage>>(result));
    });
  });
  if (usage->ok() && series_request) co_return co_await UsageWithSeriesResponse(usage->value(), *series_request, services);
  if (usage->ok()) co_return JsonResponse(200, UsageJson(usage->value()));
  co_return FailureResponse(usage->status(), kUsageFailure);
}

HttpResponse Health(const ApiServices& services) {
  const HealthSnapshot health = services.monitor.Health();
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
      auto access = co_await CheckDataAccess(request, services);
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

bool IsJsonContentType(std::string_view value) {
  if (value.empty()) return true;
  std::string_view media = value.substr(0, value.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  return media.size() == kJson.size() &&
         std::equal(media.begin(), media.end(), kJson.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

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
