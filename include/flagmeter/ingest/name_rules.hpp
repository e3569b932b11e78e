#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flagmeter {

/// Longest tenant, feature or event id, in bytes (not characters).
inline constexpr std::size_t kMaxNameBytes = 128;

/// Checks a tenant name, feature name or event id: 1..128 bytes of valid
/// UTF-8 (no overlong forms, surrogates or code points above U+10FFFF) with no
/// control characters (U+0000-U+001F, U+007F). Returns nullopt when `value`
/// is fine, else what is wrong as a predicate for the caller to prefix with
/// the field's name: "must be 1 to 128 bytes of UTF-8 (it has 0)",
/// "must be valid UTF-8", "must not contain control characters".
/// Thread-safe (pure).
std::optional<std::string> NameProblem(std::string_view value);

/// The byte offset of the first ill-formed UTF-8 sequence in `text`, or
/// nullopt when all of it is valid UTF-8. Thread-safe (pure).
std::optional<std::size_t> FirstInvalidUtf8(std::string_view text);

}  // namespace flagmeter
