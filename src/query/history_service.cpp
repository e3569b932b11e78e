#include "flagmeter/query/history_service.hpp"

#include <spdlog/spdlog.h>

#include "flagmeter/core/clock.hpp"

namespace flagmeter {

HistoryService::HistoryService(int threads, std::chrono::milliseconds dashboard_ttl, ReaderFactory make_reader,
                               std::size_t max_pending, WallClock now_ms, ThreadHealth* health)
    : dashboard_ttl_(dashboard_ttl),
      now_ms_(now_ms ? std::move(now_ms) : WallClock([] { return NowMs(); })),
      readers_(WorkPoolOptions{.group = ThreadGroup::kHistoryReaders,
                               .name = "history",
                               .threads = threads,
                               .max_queued = max_pending,
                               .queue_setting = "HISTORY_READ_QUEUE",
                               .health = health},
               std::move(make_reader)) {}

HistoryService::~HistoryService() { Stop(); }

void HistoryService::Start() { readers_.Start(); }

void HistoryService::Stop() { readers_.Stop(); }

void HistoryService::ReadHistory(HistoryQuery query, HistoryCallback done) {
  auto shared_done = std::make_shared<HistoryCallback>(std::move(done));
  Job job{
      [query = std::move(query), shared_done](UsageHistoryReader& reader) {
        (*shared_done)(std::make_shared<const Result<std::vector<HistoryBucket>>>(reader.ReadHistory(query)));
      },
      [shared_done](const Status& status) {
        (*shared_done)(std::make_shared<const Result<std::vector<HistoryBucket>>>(status));
      }};
  readers_.Post(std::move(job));
}

void HistoryService::ReadDashboard(TenantPageRequest page, DashboardCallback done) {
  DashboardResult answer;
  {
    MutexLock lock(mu_);
    // Later pages are many and each is polled by few, so only first pages
    // are shared; a first page of another limit than the one being fetched
    // is read on its own.
    const bool first_page = !page.after;
    if (first_page && dashboard_ && dashboard_page_ == page && Clock::now() - dashboard_read_at_ < dashboard_ttl_) {
      answer = dashboard_;
    } else if (first_page && (!dashboard_fetching_ || dashboard_fetching_page_ == page)) {
      dashboard_waiters_.push_back(std::move(done));
      if (dashboard_fetching_) return;
      Status queued = readers_.TryPost(Job{[this, page](UsageHistoryReader& reader) { FetchDashboard(reader, page); },
                                        [this](const Status& status) { FinishDashboard(nullptr, status); }});
      if (queued.ok()) {
        dashboard_fetching_ = true;
        dashboard_fetching_page_ = page;
        return;
      }
      done = std::move(dashboard_waiters_.back());
      dashboard_waiters_.pop_back();
      answer = std::make_shared<const Result<DashboardSnapshot>>(queued);
    }
  }
  if (!answer) {
    ReadDashboardPage(std::move(page), std::move(done));
    return;
  }
  done(answer);
}

void HistoryService::ReadDashboardPage(TenantPageRequest page, DashboardCallback done) {
  auto shared_done = std::make_shared<DashboardCallback>(std::move(done));
  Job job{[this, page = std::move(page), shared_done](UsageHistoryReader& reader) {
            (*shared_done)(
                std::make_shared<const Result<DashboardSnapshot>>(reader.ReadDashboard(now_ms_(), kChartMinutes, page)));
          },
          [shared_done](const Status& status) {
            (*shared_done)(std::make_shared<const Result<DashboardSnapshot>>(status));
          }};
  readers_.Post(std::move(job));
}

void HistoryService::FetchDashboard(UsageHistoryReader& reader, const TenantPageRequest& page) {
  // Taken before the read, so a shared snapshot is never older than it claims.
  const Clock::time_point started = Clock::now();
  Result<DashboardSnapshot> read = reader.ReadDashboard(now_ms_(), kChartMinutes, page);
  if (!read.ok()) {
    spdlog::warn("history: dashboard read failed: {}", read.status().ToString());
    FinishDashboard(nullptr, read.status());
    return;
  }
  FinishDashboard(&started, std::move(read));
}

void HistoryService::FinishDashboard(const Clock::time_point* read_at, Result<DashboardSnapshot> result) {
  auto shared = std::make_shared<const Result<DashboardSnapshot>>(std::move(result));
  std::vector<DashboardCallback> waiters;
  {
    MutexLock lock(mu_);
    waiters.swap(dashboard_waiters_);
    dashboard_fetching_ = false;
    if (read_at != nullptr && shared->ok()) {
      dashboard_ = shared;
      dashboard_page_ = dashboard_fetching_page_;
      dashboard_read_at_ = *read_at;
    }
  }
  for (DashboardCallback& waiter : waiters) waiter(shared);
}

}  // namespace flagmeter
