#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/field.hpp>

#include "http/response.hpp"

namespace flagmeter {

/// The value of the request's first `name` field, empty when it has none.
/// A scan of its few fields by their parsed name, where Beast's lookup
/// compares the name's text case-insensitively down its tree.
std::string_view HeaderValue(const HttpRequest& request, boost::beast::http::field name);

/// "application/json" with any parameters; a missing Content-Type (empty)
/// counts as JSON.
bool IsJsonContentType(std::string_view value);

/// The tenant name of a path segment: percent-decoded once and checked like
/// an event's tenant. None, with the 400 answer in `problem`, when invalid.
std::optional<std::string> TenantFromPath(std::string_view raw, HttpResponse& problem);

}  // namespace flagmeter
