#include "flagmeter/core/token_sum.hpp"

namespace flagmeter {
namespace {

__extension__ using Unsigned128 = unsigned __int128;

// Digits of 100 * quotient + hundredths (0..100) without forming the
// product, which can pass 2^127: the quotient's digits then two more.
std::string PercentText(TokenSum quotient, int hundredths) {
  if (hundredths == 100) {
    // quotient + 1 cannot overflow: a remainder close enough to the quota to
    // round to 100 needs a quota of at least 200, so quotient < 2^127 / 200.
    ++quotient;
    hundredths = 0;
  }
  if (quotient == 0) return std::to_string(hundredths);
  std::string text = TokenSumText(quotient);
  text += static_cast<char>('0' + hundredths / 10);
  text += static_cast<char>('0' + hundredths % 10);
  return text;
}

}  // namespace

void AppendTokenSum(TokenSum value, std::string& out) {
  char digits[48];  // 2^127 has 39 digits
  char* end = digits + sizeof(digits);
  char* first = end;
  // The magnitude as unsigned: -kMaxTokenSum - 1 has no signed negation.
  Unsigned128 magnitude = value < 0 ? Unsigned128{0} - static_cast<Unsigned128>(value)
                                    : static_cast<Unsigned128>(value);
  do {
    *--first = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0) out += '-';
  out.append(first, end);
}

std::string TokenSumText(TokenSum value) {
  std::string text;
  AppendTokenSum(value, text);
  return text;
}

std::optional<TokenSum> ParseTokenSum(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  TokenSum value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value > (kMaxTokenSum - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

std::string QuotaPercentText(TokenSum total, std::int64_t quota) {
  if (quota <= 0) return "0";
  const bool negative = total < 0;
  // |total| fits: ParseTokenSum never yields -kMaxTokenSum - 1.
  const TokenSum magnitude = negative ? -total : total;
  const TokenSum quotient = magnitude / quota;
  const TokenSum remainder = magnitude % quota;  // < quota < 2^63: 200 * remainder fits
  // round(100 * remainder / quota), halves up: (200 r + q) / 2q.
  const auto hundredths = static_cast<int>((200 * remainder + quota) / (static_cast<TokenSum>(quota) * 2));
  std::string text = PercentText(quotient, hundredths);
  return negative && text != "0" ? "-" + text : text;
}

std::string PercentFloorText(TokenSum total, std::int64_t quota) {
  if (quota <= 0 || total <= 0) return "0";
  const TokenSum quotient = total / quota;
  const auto hundredths = static_cast<int>(100 * (total % quota) / quota);  // < 100
  return PercentText(quotient, hundredths);
}

}  // namespace flagmeter
