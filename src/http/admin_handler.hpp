#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/router.hpp"
#include "http/api_handler.hpp"

namespace flagmeter {

/// Answers the admin routes (kTenants, kTenant, kTenantKeys, kTenantKey)
/// once the method is known to be allowed: checks the admin token, validates
/// the path and body, and runs the database work on the admin threads,
/// awaited without blocking the io thread.
boost::asio::awaitable<HttpResponse> HandleAdmin(const HttpRequest& request, const RouteMatch& match,
                                                 const ApiServices& services);

/// The tenant name of a path segment: percent-decoded once and checked like
/// an event's tenant. None, with the 400 answer in `problem`, when invalid.
std::optional<std::string> TenantFromPath(std::string_view raw, HttpResponse& problem);

}  // namespace flagmeter
