#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "flagmeter/http/server.hpp"

namespace flagmeter {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct HandledRequest {
  HttpResponse response;
  std::string_view route;  // the metrics label of the route
};

/// Turns one request into its response: routing, validation, and the calls
/// into the queue and the usage service, awaited without blocking the io
/// thread. Never throws: an unexpected failure is a 500 with a generic body
/// (the detail is logged).
boost::asio::awaitable<HandledRequest> HandleRequest(const HttpRequest& request, const ApiServices& services);

/// A response with a JSON body (or an error body), version and keep-alive
/// left to the session.
HttpResponse JsonResponse(unsigned status, std::string body);
HttpResponse ErrorResponse(unsigned status, std::string_view message);

/// "application/json" with any parameters; a missing Content-Type (empty)
/// counts as JSON.
bool IsJsonContentType(std::string_view value);

}  // namespace flagmeter
