#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flagmeter {

/// Parses an RFC 3339 date-time, YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM),
/// into Unix milliseconds UTC. 'T' may also be 't' or a space, 'Z' also 'z'.
/// Checks the calendar (leap years, days in month), hours 0..23, minutes 0..59
/// and seconds 0..60; a leap second (60) counts as 59.999 of that minute. Any
/// number of fraction digits is read and truncated to milliseconds. Offsets go
/// up to ±23:59. Years 0000..9999; instants before 1970 are negative.
/// Returns nullopt for anything else, including surrounding whitespace.
/// Thread-safe (pure).
std::optional<std::int64_t> ParseRfc3339Ms(std::string_view text);

/// Formats Unix milliseconds as UTC: "2026-11-01T00:00:00Z" when `ms` is a
/// whole second, else "2026-11-01T00:00:00.250Z". `ms` must fall in the years
/// 0000..9999 (what ParseRfc3339Ms returns); ParseRfc3339Ms reads the result
/// back to the same value. Thread-safe (pure).
std::string FormatRfc3339(std::int64_t ms);

/// FormatRfc3339 appended to `out`, without a string of its own.
void AppendRfc3339(std::int64_t ms, std::string& out);

}  // namespace flagmeter
