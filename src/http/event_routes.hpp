#pragma once

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/server.hpp"
#include "http/admin_auth.hpp"
#include "http/response.hpp"

namespace flagmeter {

/// POST /api/events for a caller that may act as `access`: validates the
/// body, has the ingest service admit the tenants (waiting a bounded while)
/// and queue the events, awaited without blocking the io thread.
boost::asio::awaitable<HttpResponse> PostEvents(const HttpRequest& request, const DataAccess& access,
                                                const ApiServices& services);

}  // namespace flagmeter
