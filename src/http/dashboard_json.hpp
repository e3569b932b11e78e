#pragma once

#include <string>

#include "flagmeter/query/history_series.hpp"
#include "flagmeter/store/usage_history.hpp"
#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter {

/// Seconds between the dashboard page's refreshes, announced in its data.
inline constexpr int kDashboardRefreshSeconds = 5;

/// 200 body of GET /api/usage/:tenant with a series (docs/dashboard.md): the
/// usage answer plus "window", "from", "to" and "series" — points
/// {"start","tokens","events"}, or per feature {"feature","points"} when
/// grouped. Thread-safe (pure).
std::string UsageWithSeriesJson(const TenantUsage& usage, const UsageSeries& series);

/// 200 body of GET /api/dashboard (docs/dashboard.md): one page of tenants,
/// totals over that page, and the cursor of the next page (null on the
/// last). Thread-safe (pure).
std::string DashboardJson(const DashboardSnapshot& snapshot);

}  // namespace flagmeter
