#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace flagmeter {

/// "application/json" with any parameters; a missing Content-Type (empty)
/// counts as JSON.
bool IsJsonContentType(std::string_view value);

/// The tenant name of a path segment: percent-decoded once and checked like
/// an event's tenant. None, with the 400 answer in `problem`, when invalid.
std::optional<std::string> TenantFromPath(std::string_view raw, HttpResponse& problem);

}  // namespace flagmeter
