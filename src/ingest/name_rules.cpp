#include "flagmeter/ingest/name_rules.hpp"

namespace flagmeter {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at text[pos], or 0 when
// it is ill-formed. Follows the table of well-formed byte sequences in the
// Unicode Standard (section 3.9), which rules out overlong forms, surrogates
// and code points above U+10FFFF.
std::size_t SequenceLength(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // overlong below U+0800
    if (lead == 0xED) second_max = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // overlong below U+10000
    if (lead == 0xF4) second_max = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  const auto second = static_cast<unsigned char>(text[pos + 1]);
  if (second < second_min || second > second_max) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!IsContinuation(static_cast<unsigned char>(text[pos + i]))) return 0;
  }
  return length;
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

}  // namespace

std::optional<std::size_t> FirstInvalidUtf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t length = SequenceLength(text, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return std::nullopt;
}

std::optional<std::string> NameProblem(std::string_view value) {
  if (value.empty() || value.size() > kMaxNameBytes) {
    return "must be 1 to " + std::to_string(kMaxNameBytes) + " bytes of UTF-8 (it has " +
           std::to_string(value.size()) + ")";
  }
  // Control characters are all single bytes, so checking bytes before the
  // UTF-8 scan is exact: no multi-byte sequence contains a byte below 0x80.
  for (const char c : value) {
    if (IsControl(static_cast<unsigned char>(c))) return "must not contain control characters";
  }
  if (FirstInvalidUtf8(value)) return "must be valid UTF-8";
  return std::nullopt;
}

}  // namespace flagmeter
