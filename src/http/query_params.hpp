#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/ingest/event_parser.hpp"

namespace flagmeter {

/// The parameters of a query string that a route knows (`known`), each
/// percent-decoded once. Unknown ones are ignored; a repeated or undecodable
/// known one adds an error naming it.
std::map<std::string, std::string> DecodeQueryParams(std::string_view query,
                                                     std::initializer_list<std::string_view> known,
                                                     std::vector<FieldError>& errors);

}  // namespace flagmeter
