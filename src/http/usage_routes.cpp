#include "http/usage_routes.hpp"

#include <string>

#include "flagmeter/core/clock.hpp"
#include "flagmeter/http/api_json.hpp"
#include "flagmeter/query/history_series.hpp"
#include "flagmeter/services/query_service.hpp"
#include "http/await_callback.hpp"
#include "http/dashboard_json.hpp"
#include "http/dashboard_params.hpp"
#include "http/request_parts.hpp"
#include "http/usage_answer_memo.hpp"

namespace flagmeter {
namespace {

// The answers to a usage or history read that failed.
constexpr FailureWording kUsageFailure{.operation = "usage read",
                                       .unavailable = "Usage cannot be read right now; retry shortly"};
constexpr FailureWording kHistoryFailure{.operation = "usage history read",
                                         .unavailable = "Usage history cannot be read right now; retry shortly"};

// 400 when a series grouped by feature would hold more than kMaxHistoryPoints.
HttpResponse TooManyPoints(const SeriesRequest& request, std::size_t points, bool cut) {
  const std::size_t features = request.range.windows == 0 ? 0 : points / request.range.windows;
  const std::string at_least = cut ? "at least " : "";  // the read stopped: more features exist
  const std::string message = at_least + std::to_string(features) + " features × " +
                              std::to_string(request.range.windows) + " windows make " + at_least +
                              std::to_string(points) + " points, more than the " + std::to_string(kMaxHistoryPoints) +
                              " an answer may hold; use a shorter range, a wider window or feature=";
  return JsonResponse(400, ValidationErrorJson({{"groupBy", message}}));
}

// `usage` (already read) with the series of `request`.
boost::asio::awaitable<HttpResponse> UsageWithSeries(const TenantUsage& usage, const SeriesRequest& request,
                                                     QueryService& queries) {
  // One bucket more than an answer may hold tells there are too many,
  // however many features the tenant has.
  HistoryQuery query{usage.tenant_id,  request.range.window, request.range.from_ms, request.range.to_ms,
                     request.feature,  request.by_feature,   static_cast<std::int64_t>(kMaxHistoryPoints) + 1};
  using Buckets = Reply<std::vector<HistoryBucket>>;
  const Buckets buckets = co_await AwaitCallback<Buckets>(
      [&queries, &query](ReplyCallback<std::vector<HistoryBucket>> done) { queries.History(std::move(query), done); });
  if (!buckets->ok()) co_return FailureResponse(buckets->status(), kHistoryFailure);
  // Counted before FillSeries allocates them.
  const std::size_t points = CountSeriesPoints(request.range, request.by_feature, request.feature, buckets->value());
  if (points > kMaxHistoryPoints) co_return TooManyPoints(request, points, buckets->value().size() > kMaxHistoryPoints);
  const UsageSeries series = FillSeries(request.range, request.by_feature, request.feature, buckets->value());
  co_return JsonResponse(200, UsageWithSeriesJson(usage, series));
}

}  // namespace

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
  const Reply<TenantUsage> usage = co_await AwaitCallback<Reply<TenantUsage>>(
      [&services, &tenant](ReplyCallback<TenantUsage> done) { services.queries.Usage(tenant, std::move(done)); });
  if (!usage->ok()) co_return FailureResponse(usage->status(), kUsageFailure);
  if (series_request) co_return co_await UsageWithSeries(usage->value(), *series_request, services.queries);
  // Per io thread: the coroutine resumes on its own thread (AwaitCallback).
  thread_local UsageAnswerMemo answers;
  co_return JsonResponse(200, answers.Json(usage, UsageJson));
}

}  // namespace flagmeter
