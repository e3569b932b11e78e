#include "flagmeter/core/billing_period.hpp"

#include "flagmeter/core/civil_time.hpp"

namespace flagmeter {
namespace {

CivilDate AddMonths(CivilDate date, int months) {
  const std::int64_t index = date.year * 12 + (date.month - 1) + months;
  return CivilDate{FloorDiv(index, 12), static_cast<int>(index - FloorDiv(index, 12) * 12) + 1, date.day};
}

}  // namespace

BillingPeriod BillingPeriodAt(std::int64_t now_ms, int billing_day) {
  const CivilDate today = CivilFromDays(FloorDiv(now_ms, kMillisPerDay));
  CivilDate start{today.year, today.month, billing_day};
  // Before this month's billing day we are still in the period that began last month.
  if (today.day < billing_day) start = AddMonths(start, -1);
  const CivilDate end = AddMonths(start, 1);
  return BillingPeriod{DaysFromCivil(start) * kMillisPerDay, DaysFromCivil(end) * kMillisPerDay};
}

}  // namespace flagmeter
