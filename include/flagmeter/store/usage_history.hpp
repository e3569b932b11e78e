#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/store/tenant_page.hpp"
#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter {

class PgConnection;

/// The width of one point of a usage series. Windows start on UTC minute,
/// hour and midnight boundaries.
enum class HistoryWindow { kMinute, kHour, kDay };

inline constexpr std::int64_t WindowMs(HistoryWindow window) {
  switch (window) {
    case HistoryWindow::kMinute: return 60'000;
    case HistoryWindow::kHour: return 3'600'000;
    case HistoryWindow::kDay: return 86'400'000;
  }
  return 60'000;
}

/// One tenant's usage in [from_ms, to_ms), bucketed by `window`. Both ends
/// are window boundaries.
struct HistoryQuery {
  std::string tenant_id;  // UUID
  HistoryWindow window = HistoryWindow::kMinute;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  std::optional<std::string> feature;  // only this feature
  bool by_feature = false;             // one bucket per (window, feature)
  // Read at most this many buckets, which ones unspecified: a caller that
  // refuses more than N points asks for N + 1 to learn there are more.
  std::int64_t max_buckets = std::numeric_limits<std::int64_t>::max();
};

/// A window with usage. `feature` is empty unless the query was by feature.
struct HistoryBucket {
  std::int64_t start_ms = 0;
  std::string feature;
  TokenSum tokens = 0;
  std::int64_t events = 0;

  friend bool operator==(const HistoryBucket&, const HistoryBucket&) = default;
};

/// One tenant's card on the dashboard: its usage in the current billing
/// period and its tokens per minute over the chart's minutes.
struct DashboardTenant {
  TenantUsage usage;                        // features: most tokens first
  std::vector<TokenSum> minute_tokens;      // one per chart minute, oldest first
};

/// One page of tenants (TenantPageRequest) at one instant, read in one
/// snapshot.
struct DashboardSnapshot {
  std::int64_t read_at_ms = 0;
  std::int64_t chart_start_ms = 0;  // the first chart minute
  int chart_minutes = 0;
  std::vector<DashboardTenant> tenants;    // by name, bytewise; at most the page's limit
  std::optional<std::string> next_after;   // the last name here when more tenants follow; none: the last page
};

/// Reads usage history and the dashboard from the rollups. Blocking; owned
/// by one query thread (each has its own connection).
class UsageHistoryReader {
 public:
  virtual ~UsageHistoryReader() = default;

  /// The windows of `query` that have usage (or had: a replaced event can
  /// leave a window at zero), in no particular order, at most
  /// `query.max_buckets` of them. Minute and hour
  /// windows sum the minute rollups, day windows the day rollups. An unknown
  /// tenant id yields no buckets. Unavailable when the database is down.
  virtual Result<std::vector<HistoryBucket>> ReadHistory(const HistoryQuery& query) = 0;

  /// The tenants of `page` with their current period's usage at `now_ms`,
  /// and their tokens per minute for the `chart_minutes` minutes ending with
  /// the one holding `now_ms`. Reads at most page.limit + 1 tenants, whatever
  /// their number. Unavailable when the database is down.
  virtual Result<DashboardSnapshot> ReadDashboard(std::int64_t now_ms, int chart_minutes,
                                                  const TenantPageRequest& page) = 0;
};

/// UsageHistoryReader on PostgreSQL: one statement per history read, two in
/// one read-only snapshot per dashboard read (the page's tenants with their
/// period's features; then their chart minutes).
/// Statements time out after 10 s; a broken connection is reopened by the
/// next call. Owned by one thread.
class PgUsageHistory final : public UsageHistoryReader {
 public:
  /// Does not connect; the first call does.
  explicit PgUsageHistory(std::string database_url);
  ~PgUsageHistory() override;
  PgUsageHistory(const PgUsageHistory&) = delete;
  PgUsageHistory& operator=(const PgUsageHistory&) = delete;

  /// Blocking.
  Result<std::vector<HistoryBucket>> ReadHistory(const HistoryQuery& query) override;
  /// Blocking.
  Result<DashboardSnapshot> ReadDashboard(std::int64_t now_ms, int chart_minutes,
                                          const TenantPageRequest& page) override;

 private:
  Result<DashboardSnapshot> ReadDashboardOnce(std::int64_t now_ms, int chart_minutes, const TenantPageRequest& page);

  std::unique_ptr<PgConnection> connection_;
};

}  // namespace flagmeter
