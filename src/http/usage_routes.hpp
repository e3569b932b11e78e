#pragma once

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/router.hpp"
#include "flagmeter/http/server.hpp"
#include "http/admin_auth.hpp"
#include "http/response.hpp"

namespace flagmeter {

/// GET /api/usage/:tenant for a caller that may act as `access`: the
/// tenant's usage, with a series when the query asks for one, read by the
/// query service and awaited without blocking the io thread.
boost::asio::awaitable<HttpResponse> GetUsage(const RouteMatch& match, const DataAccess& access,
                                              const ApiServices& services);

}  // namespace flagmeter
