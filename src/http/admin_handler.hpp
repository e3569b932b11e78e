#pragma once

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/router.hpp"
#include "flagmeter/http/server.hpp"
#include "http/response.hpp"

namespace flagmeter {

/// Answers the admin routes (kTenants, kTenant, kTenantKeys, kTenantKey)
/// once the method is known to be allowed: checks the admin token,
/// validates the path and body, and calls the tenant admin service, awaited
/// without blocking the io thread.
boost::asio::awaitable<HttpResponse> HandleAdmin(const HttpRequest& request, const RouteMatch& match,
                                                 const ApiServices& services);

}  // namespace flagmeter
