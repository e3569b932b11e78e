#pragma once

#include <cstdint>

namespace flagmeter {

/// A billing period [start_ms, end_ms) in Unix milliseconds UTC.
struct BillingPeriod {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};

/// The period containing `now_ms` for a tenant billed on `billing_day`
/// (1..28): from that day of the month at 00:00 UTC to the same day of the
/// next month. Works for any instant, including before 1970.
BillingPeriod BillingPeriodAt(std::int64_t now_ms, int billing_day);

}  // namespace flagmeter
