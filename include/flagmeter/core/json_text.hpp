#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flagmeter {

/// Appends `text` as a JSON string literal, quotes included: `"` and `\`
/// are escaped, control characters become \u00XX, every other byte (UTF-8
/// included) is copied as is. For hot paths that write small, fixed-shape
/// JSON without building a document first.
void AppendJsonString(std::string_view text, std::string& out);

/// Appends `value` in decimal.
void AppendJsonInteger(std::int64_t value, std::string& out);

}  // namespace flagmeter
