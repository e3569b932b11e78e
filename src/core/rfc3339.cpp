#include "flagmeter/core/rfc3339.hpp"

#include "flagmeter/core/civil_time.hpp"

namespace flagmeter {
namespace {

constexpr std::int64_t kMillisPerSecond = 1000;
constexpr std::int64_t kMillisPerMinute = 60 * kMillisPerSecond;
constexpr std::int64_t kMillisPerHour = 60 * kMillisPerMinute;

// Reads the `count` decimal digits at text[pos..]; -1 when any is not a digit.
int Digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The calendar and clock part, "YYYY-MM-DDTHH:MM:SS" (19 characters), as
// milliseconds of local time since 1970-01-01T00:00:00 of the same offset.
std::optional<std::int64_t> ParseLocalDateTime(std::string_view text) {
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const char separator = text[10];
  if (separator != 'T' && separator != 't' && separator != ' ') return std::nullopt;
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second = Digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  const std::int64_t days = DaysFromCivil(CivilDate{year, month, day});
  return days * kMillisPerDay + hour * kMillisPerHour + minute * kMillisPerMinute + second * kMillisPerSecond;
}

// The time zone part: "Z", "z", "+HH:MM" or "-HH:MM", as milliseconds to add
// to local time to get UTC; nullopt unless it is exactly the rest of `text`.
std::optional<std::int64_t> ParseOffsetToUtc(std::string_view text) {
  if (text.size() == 1 && (text[0] == 'Z' || text[0] == 'z')) return 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    return std::nullopt;
  }
  const int hours = Digits(text, 1, 2);
  const int minutes = Digits(text, 4, 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
  const std::int64_t offset = hours * kMillisPerHour + minutes * kMillisPerMinute;
  // Local time is ahead of UTC by a '+' offset, so UTC is local minus it.
  return text[0] == '+' ? -offset : offset;
}

void PutDigits(std::int64_t value, int count, char* out) {
  for (int i = count - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::optional<std::int64_t> ParseRfc3339Ms(std::string_view text) {
  const std::optional<std::int64_t> local = ParseLocalDateTime(text);
  if (!local) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t first_digit = pos;
    for (; pos < text.size() && IsDigit(text[pos]); ++pos) {
      // Digits past the third only need to be well-formed: truncation drops them.
      if (pos - first_digit < 3) millis = millis * 10 + (text[pos] - '0');
    }
    const std::size_t count = pos - first_digit;
    if (count == 0) return std::nullopt;
    for (std::size_t i = count; i < 3; ++i) millis *= 10;
  }
  const std::optional<std::int64_t> to_utc = ParseOffsetToUtc(text.substr(pos));
  if (!to_utc) return std::nullopt;
  // A leap second is not representable in Unix time; the last millisecond
  // of its minute keeps the order of events without inventing a new minute.
  const bool leap_second = text[17] == '6';  // "60": ParseLocalDateTime allows no more
  if (leap_second) return *local - kMillisPerSecond + 999 + *to_utc;
  return *local + millis + *to_utc;
}

void AppendRfc3339(std::int64_t ms, std::string& out) {
  const std::int64_t days = FloorDiv(ms, kMillisPerDay);
  const std::int64_t of_day = ms - days * kMillisPerDay;
  const CivilDate date = CivilFromDays(days);
  char buffer[] = "0000-00-00T00:00:00.000Z";
  PutDigits(date.year, 4, buffer);
  PutDigits(date.month, 2, buffer + 5);
  PutDigits(date.day, 2, buffer + 8);
  PutDigits(of_day / kMillisPerHour, 2, buffer + 11);
  PutDigits(of_day / kMillisPerMinute % 60, 2, buffer + 14);
  PutDigits(of_day / kMillisPerSecond % 60, 2, buffer + 17);
  const std::int64_t millis = of_day % kMillisPerSecond;
  if (millis == 0) {
    buffer[19] = 'Z';
    out.append(buffer, 20);
    return;
  }
  PutDigits(millis, 3, buffer + 20);
  out.append(buffer, sizeof(buffer) - 1);
}

std::string FormatRfc3339(std::int64_t ms) {
  std::string out;
  AppendRfc3339(ms, out);
  return out;
}

}  // namespace flagmeter
