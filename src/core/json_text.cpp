#include "flagmeter/core/json_text.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace flagmeter {

namespace {

constexpr std::uint64_t kEachByte = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// Whether any byte of `word` is zero, or below `n` (n <= 0x80): the
// classic word-at-a-time tests, exact as a yes or no for the whole word.
constexpr std::uint64_t AnyZero(std::uint64_t word) { return (word - kEachByte) & ~word & kHighBits; }
constexpr std::uint64_t AnyBelow(std::uint64_t word, std::uint8_t n) {
  return (word - kEachByte * n) & ~word & kHighBits;
}

// Whether any of the 8 bytes at `p` must be escaped.
bool AnyToEscape(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return (AnyBelow(word, 0x20) | AnyZero(word ^ (kEachByte * '"')) | AnyZero(word ^ (kEachByte * '\\'))) != 0;
}

}  // namespace

void AppendJsonString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run_start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // Names and ids are mostly plain: skip them eight bytes at a time.
    if (i + 8 <= text.size() && !AnyToEscape(text.data() + i)) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    // Copy the plain run before this byte in one go, then its escape.
    out.append(text, run_start, i - run_start);
    run_start = ++i;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escape, sizeof(escape));
    }
  }
  out.append(text, run_start, text.size() - run_start);
  out += '"';
}

void AppendJsonInteger(std::int64_t value, std::string& out) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, result.ptr);
}

}  // namespace flagmeter
