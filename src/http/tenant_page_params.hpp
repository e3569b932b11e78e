#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/store/tenant_page.hpp"

namespace flagmeter {

/// Reads `limit` (an integer 1..max_limit; default
/// min(kDefaultTenantsPerPage, max_limit)) and `cursor` (a nextCursor of an
/// earlier answer) from `query` (after '?'), for the paged tenant lists
/// (GET /api/tenants, GET /api/dashboard). Other parameters are ignored.
/// Every problem is reported with its parameter as the path: a limit that is
/// not such an integer, a cursor that is empty, malformed or names no
/// possible tenant, either given twice. Thread-safe (pure).
std::variant<TenantPageRequest, std::vector<FieldError>> ParseTenantPage(std::string_view query, int max_limit);

/// The nextCursor that continues after tenant `last_name`: opaque to
/// clients (base64url of the name, no padding), safe in a query string as is.
/// Thread-safe (pure).
std::string TenantCursor(std::string_view last_name);

}  // namespace flagmeter
