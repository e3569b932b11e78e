#pragma once

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/router.hpp"
#include "flagmeter/store/usage_reader.hpp"
#include "http/api_handler.hpp"
#include "http/dashboard_params.hpp"

namespace flagmeter {

/// Answers kDashboard, kPage and kAsset once the method is known to be
/// allowed. The page and its assets are public (they hold no data); the
/// data is public unless REQUIRE_API_KEYS is on, in which case it needs the
/// admin token, as it shows every tenant.
boost::asio::awaitable<HttpResponse> HandleDashboardRoute(const HttpRequest& request, const RouteMatch& match,
                                                          const ApiServices& services);

/// The answer of GET /api/usage/:tenant with a series: `usage` (already
/// read) with the series of `request` read on the history threads, awaited
/// without blocking the io thread. 400 when grouping by feature makes more
/// than kMaxHistoryPoints points.
boost::asio::awaitable<HttpResponse> UsageWithSeriesResponse(const TenantUsage& usage, const SeriesRequest& request,
                                                             const ApiServices& services);

}  // namespace flagmeter
