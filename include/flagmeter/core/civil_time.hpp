#pragma once

#include <cstdint>

namespace flagmeter {

/// A proleptic Gregorian calendar date (UTC).
struct CivilDate {
  std::int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

/// Days since 1970-01-01 of a date, and back (any year, including negative).
std::int64_t DaysFromCivil(CivilDate date);
CivilDate CivilFromDays(std::int64_t days);

/// Number of days in `month` (1..12) of `year`.
int DaysInMonth(std::int64_t year, int month);

inline constexpr std::int64_t kMillisPerDay = 86'400'000;

/// Floor division, for instants before 1970.
inline std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace flagmeter
