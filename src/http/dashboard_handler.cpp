#include "http/dashboard_handler.hpp"

#include <memory>
#include <string>

#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include "flagmeter/http/api_json.hpp"
#include "flagmeter/query/history_service.hpp"
#include "flagmeter/tenants/tenant_services.hpp"
#include "http/admin_auth.hpp"
#include "http/await_callback.hpp"
#include "http/dashboard_json.hpp"
#include "http/static_assets.hpp"
#include "http/tenant_page_params.hpp"

namespace flagmeter {
namespace http = boost::beast::http;
namespace {

// The answers to a dashboard or history read that failed.
constexpr FailureWording kDashboardFailure{.operation = "dashboard read",
                                           .unavailable = "The dashboard cannot be read right now; retry shortly"};
constexpr FailureWording kHistoryFailure{.operation = "usage history read",
                                         .unavailable = "Usage history cannot be read right now; retry shortly"};

Status NoHistoryService() { return Status::Unavailable("history: no history service registered"); }

boost::asio::awaitable<HttpResponse> DashboardData(const HttpRequest& request, const RouteMatch& match,
                                                   const ApiServices& services) {
  if (services.tenants != nullptr && services.tenants->config.require_api_keys) {
    if (std::optional<HttpResponse> denied = CheckAdmin(request, services)) co_return std::move(*denied);
  }
  auto parsed = ParseTenantPage(match.query, services.max_tenants_per_page);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&parsed)) {
    co_return JsonResponse(400, ValidationErrorJson(*errors));
  }
  HistoryService* history = services.history;
  if (history == nullptr) co_return FailureResponse(NoHistoryService(), kDashboardFailure);
  using Snapshot = HistoryService::DashboardResult;
  const Snapshot snapshot = co_await AwaitCallback<Snapshot>(
      [history, &parsed](auto done) { history->ReadDashboard(std::get<TenantPageRequest>(parsed), done); });
  if (!snapshot->ok()) co_return FailureResponse(snapshot->status(), kDashboardFailure);
  HttpResponse response = JsonResponse(200, DashboardJson(snapshot->value()));
  response.set(http::field::cache_control, "no-store");
  co_return response;
}

HttpResponse Asset(const HttpRequest& request, const RouteMatch& match) {
  const StaticAsset* asset = FindStaticAsset(match.path);
  if (asset == nullptr) return ErrorResponse(404, "No file " + std::string(match.path.substr(0, 200)));
  return StaticAssetResponse(*asset, request[http::field::if_none_match]);
}

}  // namespace

boost::asio::awaitable<HttpResponse> HandleDashboardRoute(const HttpRequest& request, const RouteMatch& match,
                                                          const ApiServices& services) {
  if (match.route == Route::kDashboard) co_return co_await DashboardData(request, match, services);
  co_return Asset(request, match);
}

boost::asio::awaitable<HttpResponse> UsageWithSeriesResponse(const TenantUsage& usage, const SeriesRequest& request,
                                                             const ApiServices& services) {
  HistoryService* history = services.history;
  if (history == nullptr) co_return FailureResponse(NoHistoryService(), kHistoryFailure);
  // One bucket more than an answer may hold tells there are too many,
  // however many features the tenant has.
  HistoryQuery query{usage.tenant_id,  request.range.window, request.range.from_ms, request.range.to_ms,
                     request.feature,  request.by_feature,   static_cast<std::int64_t>(kMaxHistoryPoints) + 1};
  using Buckets = HistoryService::HistoryResult;
  const Buckets buckets = co_await AwaitCallback<Buckets>(
      [history, &query](auto done) { history->ReadHistory(std::move(query), done); });
  if (!buckets->ok()) co_return FailureResponse(buckets->status(), kHistoryFailure);
  // Counted before FillSeries allocates them.
  const std::size_t points = CountSeriesPoints(request.range, request.by_feature, request.feature, buckets->value());
  if (points > kMaxHistoryPoints) {
    const bool cut = buckets->value().size() > kMaxHistoryPoints;  // the read stopped: more features exist
    const std::size_t features = request.range.windows == 0 ? 0 : points / request.range.windows;
    const std::string message = std::string(cut ? "at least " : "") + std::to_string(features) + " features × " +
                                std::to_string(request.range.windows) + " windows make " +
                                std::string(cut ? "at least " : "") + std::to_string(points) +
                                " points, more than the " + std::to_string(kMaxHistoryPoints) +
                                " an answer may hold; use a shorter range, a wider window or feature=";
    co_return JsonResponse(400, ValidationErrorJson({{"groupBy", message}}));
  }
  const UsageSeries series = FillSeries(request.range, request.by_feature, request.feature, buckets->value());
  co_return JsonResponse(200, UsageWithSeriesJson(usage, series));
}

}  // namespace flagmeter
