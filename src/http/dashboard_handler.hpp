#pragma once

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/router.hpp"
#include "flagmeter/http/server.hpp"
#include "http/response.hpp"

namespace flagmeter {

/// Answers kDashboard, kPage and kAsset once the method is known to be
/// allowed. The page and its assets are public (they hold no data); the
/// data is public unless REQUIRE_API_KEYS is on, in which case it needs the
/// admin token, as it shows every tenant.
boost::asio::awaitable<HttpResponse> HandleDashboardRoute(const HttpRequest& request, const RouteMatch& match,
                                                          const ApiServices& services);

}  // namespace flagmeter
