#pragma once

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "flagmeter/core/status.hpp"

namespace flagmeter {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// A response with a JSON body (or an error body), version and keep-alive
/// left to the session.
HttpResponse JsonResponse(unsigned status, std::string body);
HttpResponse ErrorResponse(unsigned status, std::string_view message);

/// What the answer to a failed operation tells the client; the Status's
/// own message (with its detail) goes to the log.
struct FailureWording {
  std::string_view operation;       // for the log: "admin call", "event push"
  std::string_view unavailable;     // the 503 sentence: "The database is unavailable; retry shortly"
  std::string_view overloaded = {};  // the 503 sentence when a bound was hit; empty: `unavailable`
};

/// The one mapping from a failed Status to an HTTP answer:
///  - NotFound: 404, InvalidArgument: 400, FailedPrecondition: 422, with the
///    Status's message (written for the client by whoever made it);
///  - Unavailable, Overloaded: 503 with the wording and `Retry-After: 1`
///    (logged at debug level: expected under load and outages, which the
///    services log themselves);
///  - Aborted, Internal and anything else: 500 "Internal server error",
///    logged as an error with the detail.
HttpResponse FailureResponse(const Status& status, const FailureWording& wording);

}  // namespace flagmeter
