#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace flagmeter {

/// nlohmann_json holds no integer beyond 64 bits. A document built with it
/// carries such a number as its decimal text (a JSON string, e.g. from
/// TokenSumText) under a member named in `keys`; this turns the dumped text's
/// `"key":"123"` into `"key":123` and `"key":["1","2"]` into `"key":[1,2]`.
/// Only strings of decimal digits (with an optional leading "-") lose their
/// quotes; other values stay as they are. Exact on compact dump() output
/// whose member names (the keys included) contain no quote or backslash: a
/// quote inside a string value is always escaped there, so `"key":` with bare
/// quotes can only be that member's name. Thread-safe (pure).
std::string UnquoteNumbers(const std::string& json, std::initializer_list<std::string_view> keys);

}  // namespace flagmeter
