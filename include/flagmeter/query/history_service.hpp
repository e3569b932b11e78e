#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "flagmeter/core/mutex.hpp"
#include "flagmeter/core/status.hpp"
#include "flagmeter/core/work_pool.hpp"
#include "flagmeter/store/usage_history.hpp"

namespace flagmeter {

/// Serves usage history and dashboard reads off the io threads, on a
/// WorkPool of `threads` query threads (fm-history-N), each with its own
/// UsageHistoryReader, so a long history read never delays the usage
/// reads that ingest clients poll.
///
/// Snapshots of the dashboard's first page are shared: one younger than
/// `dashboard_ttl` answers at once, and concurrent misses for the same first
/// page (same limit) wait for one read, so any number of open dashboards
/// costs about one read per `dashboard_ttl`. Later pages (a cursor) and
/// history reads are not cached. At most `max_pending` reads wait; more fail with
/// Overloaded. Thread-safe.
class HistoryService final {
 public:
  using ReaderFactory = std::function<std::unique_ptr<UsageHistoryReader>()>;
  using HistoryResult = std::shared_ptr<const Result<std::vector<HistoryBucket>>>;
  using DashboardResult = std::shared_ptr<const Result<DashboardSnapshot>>;
  using HistoryCallback = std::function<void(HistoryResult)>;
  using DashboardCallback = std::function<void(DashboardResult)>;
  using Clock = std::chrono::steady_clock;
  using WallClock = std::function<std::int64_t()>;  // Unix ms

  /// The minutes of the dashboard's chart: the last hour.
  static constexpr int kChartMinutes = 60;

  HistoryService(int threads, std::chrono::milliseconds dashboard_ttl, ReaderFactory make_reader,
                 std::size_t max_pending = 1000, WallClock now_ms = nullptr, ThreadHealth* health = nullptr);
  ~HistoryService();
  HistoryService(const HistoryService&) = delete;
  HistoryService& operator=(const HistoryService&) = delete;

  void Start();
  /// Finishes the reads already taken, fails the queued ones with
  /// Unavailable, and joins the threads.
  void Stop();

  /// Calls `done` exactly once, on a query thread, or inline when the read
  /// cannot be queued (stopping: Unavailable; full: Overloaded).
  void ReadHistory(HistoryQuery query, HistoryCallback done);

  /// Calls `done` exactly once with the tenants of `page`: inline with a
  /// fresh enough shared snapshot, else on a query thread (or inline when
  /// the read cannot be queued). A failed read is not kept.
  void ReadDashboard(TenantPageRequest page, DashboardCallback done);

 private:
  using Job = WorkPool<UsageHistoryReader>::Job;

  void FetchDashboard(UsageHistoryReader& reader, const TenantPageRequest& page);
  // Reads `page` on its own, uncached.
  void ReadDashboardPage(TenantPageRequest page, DashboardCallback done);
  // Hands `result` to every waiting dashboard reader; keeps it when read at
  // `read_at` (null: a failure, not kept).
  void FinishDashboard(const Clock::time_point* read_at, Result<DashboardSnapshot> result) FM_EXCLUDES(mu_);

  // Constant after construction.
  const Clock::duration dashboard_ttl_;
  const WallClock now_ms_;

  Mutex mu_;
  DashboardResult dashboard_ FM_GUARDED_BY(mu_);         // the last good first-page snapshot
  TenantPageRequest dashboard_page_ FM_GUARDED_BY(mu_);  // the page of dashboard_
  Clock::time_point dashboard_read_at_ FM_GUARDED_BY(mu_);
  bool dashboard_fetching_ FM_GUARDED_BY(mu_) = false;
  TenantPageRequest dashboard_fetching_page_ FM_GUARDED_BY(mu_);  // the page being fetched
  std::vector<DashboardCallback> dashboard_waiters_ FM_GUARDED_BY(mu_);
  WorkPool<UsageHistoryReader> readers_;  // after mu_: its jobs use the fields above
};

}  // namespace flagmeter
