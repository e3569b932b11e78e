#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/server.hpp"
#include "http/response.hpp"

namespace flagmeter {

struct HandledRequest {
  HttpResponse response;
  std::string_view route;  // the metrics label of the route
};

/// Turns one request into its response: routing, validation, and the calls
/// into the queue and the usage service, awaited without blocking the io
/// thread. Never throws: an unexpected failure is a 500 with a generic body
/// (the detail is logged).
boost::asio::awaitable<HandledRequest> HandleRequest(const HttpRequest& request, const ApiServices& services);

/// "application/json" with any parameters; a missing Content-Type (empty)
/// counts as JSON.
bool IsJsonContentType(std::string_view value);

}  // namespace flagmeter
