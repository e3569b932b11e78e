#pragma once

#include <boost/asio/awaitable.hpp>

#include "flagmeter/http/router.hpp"
#include "flagmeter/http/server.hpp"
#include "http/response.hpp"

namespace flagmeter {

/// Answers the dead-letter routes (kDeadLetters, kDeadLettersRedrive,
/// kDeadLettersDiscard) once the method is known to be allowed: checks the
/// admin token, validates the query or body, and runs the Valkey work on the
/// dead-letter thread, awaited without blocking the io thread.
boost::asio::awaitable<HttpResponse> HandleDeadLetters(const HttpRequest& request, const RouteMatch& match,
                                                       const ApiServices& services);

}  // namespace flagmeter
