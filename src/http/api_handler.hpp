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

/// Turns one request into its response: routes it, and hands it to the
/// route functions (event_routes, usage_routes, admin_handler,
/// dashboard_handler, dead_letter_handler), which call the services.
/// Never throws: an unexpected failure is a 500 with a generic body (the
/// detail is logged).
boost::asio::awaitable<HandledRequest> HandleRequest(const HttpRequest& request, const ApiServices& services);

}  // namespace flagmeter
