#pragma once

#include <optional>
#include <variant>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/server.hpp"
#include "http/response.hpp"

namespace flagmeter {

/// Who a request may act for on the data routes (events, usage).
struct DataAccess {
  bool all_tenants = true;  // open API, or the admin token
  std::string tenant;       // otherwise: the one tenant of the API key
};

/// Checks `Authorization: Bearer <ADMIN_TOKEN>` for the admin routes, in
/// constant time. None when allowed, else the answer: 403 naming ADMIN_TOKEN
/// when the server has none, 401 when missing or wrong.
std::optional<HttpResponse> CheckAdmin(const HttpRequest& request, const ApiServices& services);

/// With REQUIRE_API_KEYS on (with it off everyone reaches every tenant, and
/// the router grants that without awaiting this): the admin token reaches
/// all, a valid API key its own tenant; else the answer is a 401 (none,
/// unknown or revoked key) or a 503 (a key look-up failed). The usual key
/// check is answered from memory; an unknown key is looked up off the io
/// thread.
boost::asio::awaitable<std::variant<DataAccess, HttpResponse>> CheckApiKey(const HttpRequest& request,
                                                                            const ApiServices& services);

/// 403 for a key of tenant `access.tenant` used on `tenant`.
HttpResponse OtherTenantResponse(const DataAccess& access, const std::string& tenant);

}  // namespace flagmeter
