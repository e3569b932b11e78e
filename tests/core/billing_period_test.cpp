#include "flagmeter/core/billing_period.hpp"

#include <gtest/gtest.h>

#include "flagmeter/core/civil_time.hpp"

namespace flagmeter {
namespace {

std::int64_t Ms(std::int64_t y, int m, int d, int hour = 0) {
  return DaysFromCivil({y, m, d}) * kMillisPerDay + hour * 3'600'000LL;
}

TEST(BillingPeriod, DayOneIsTheCalendarMonth) {
  const BillingPeriod p = BillingPeriodAt(Ms(2026, 11, 29, 15), 1);
  EXPECT_EQ(p.start_ms, Ms(2026, 11, 1));
  EXPECT_EQ(p.end_ms, Ms(2026, 12, 1));
}

TEST(BillingPeriod, BeforeTheBillingDayBelongsToLastMonthsPeriod) {
  const BillingPeriod p = BillingPeriodAt(Ms(2026, 11, 14, 23), 15);
  EXPECT_EQ(p.start_ms, Ms(2026, 10, 15));
  EXPECT_EQ(p.end_ms, Ms(2026, 11, 15));
}

TEST(BillingPeriod, TheBillingDayAtMidnightStartsANewPeriod) {
  const BillingPeriod p = BillingPeriodAt(Ms(2026, 11, 15), 15);
  EXPECT_EQ(p.start_ms, Ms(2026, 11, 15));
  EXPECT_EQ(p.end_ms, Ms(2026, 12, 15));
}

TEST(BillingPeriod, CrossesTheYearBoundary) {
  const BillingPeriod december = BillingPeriodAt(Ms(2026, 12, 31, 12), 28);
  EXPECT_EQ(december.start_ms, Ms(2026, 12, 28));
  EXPECT_EQ(december.end_ms, Ms(2027, 1, 28));
  const BillingPeriod january = BillingPeriodAt(Ms(2027, 1, 3), 10);
  EXPECT_EQ(january.start_ms, Ms(2026, 12, 10));
  EXPECT_EQ(january.end_ms, Ms(2027, 1, 10));
}

TEST(BillingPeriod, WorksInFebruaryOfALeapYear) {
  const BillingPeriod p = BillingPeriodAt(Ms(2028, 2, 29, 8), 28);
  EXPECT_EQ(p.start_ms, Ms(2028, 2, 28));
  EXPECT_EQ(p.end_ms, Ms(2028, 3, 28));
}

TEST(BillingPeriod, WorksBefore1970) {
  const BillingPeriod p = BillingPeriodAt(Ms(1969, 12, 31, 23), 1);
  EXPECT_EQ(p.start_ms, Ms(1969, 12, 1));
  EXPECT_EQ(p.end_ms, Ms(1970, 1, 1));
  EXPECT_LT(p.start_ms, 0);
}

TEST(CivilTime, RoundTripsEveryDayOfFourCenturies) {
  for (std::int64_t days = -80'000; days < 80'000; ++days) {
    ASSERT_EQ(DaysFromCivil(CivilFromDays(days)), days);
  }
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}), 11'017);
}

}  // namespace
}  // namespace flagmeter
