#include "flagmeter/core/json_wide_numbers.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace flagmeter {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// For the string of digits opening at json[open] (a quote), records both
// quotes in `drop`; returns where the value ends.
std::size_t DigitString(const std::string& json, std::size_t open, std::vector<std::size_t>& drop) {
  std::size_t i = open + 1;
  if (i < json.size() && json[i] == '-') ++i;
  const std::size_t first_digit = i;
  while (i < json.size() && IsDigit(json[i])) ++i;
  if (i == first_digit || i >= json.size() || json[i] != '"') return open + 1;  // another string: left alone
  drop.push_back(open);
  drop.push_back(i);
  return i + 1;
}

// The members' values: one digit string, or an array of them.
void CollectQuotes(const std::string& json, std::string_view key, std::vector<std::size_t>& drop) {
  const std::string pattern = "\"" + std::string(key) + "\":";
  for (std::size_t found = json.find(pattern); found != std::string::npos; found = json.find(pattern, found + 1)) {
    std::size_t i = found + pattern.size();
    if (i >= json.size()) return;
    if (json[i] == '"') {
      DigitString(json, i, drop);
      continue;
    }
    if (json[i] != '[') continue;
    for (++i; i < json.size() && json[i] != ']';) {
      if (json[i] == '"') {
        const std::size_t end = DigitString(json, i, drop);
        if (end == i + 1) break;  // not an array of digit strings
        i = end;
      } else if (json[i] == ',' || json[i] == '-' || IsDigit(json[i])) {
        ++i;
      } else {
        break;
      }
    }
  }
}

}  // namespace

std::string UnquoteNumbers(const std::string& json, std::initializer_list<std::string_view> keys) {
  std::vector<std::size_t> drop;
  for (std::string_view key : keys) CollectQuotes(json, key, drop);
  if (drop.empty()) return json;
  std::sort(drop.begin(), drop.end());
  drop.erase(std::unique(drop.begin(), drop.end()), drop.end());  // a key given twice
  std::string out;
  out.reserve(json.size());
  std::size_t from = 0;
  for (std::size_t quote : drop) {
    out.append(json, from, quote - from);
    from = quote + 1;
  }
  out.append(json, from, std::string::npos);
  return out;
}

}  // namespace flagmeter
