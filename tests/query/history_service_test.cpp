#include "flagmeter/query/history_service.hpp"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

// Counts reads; each waits until the test opens the gate.
class GatedReader final : public UsageHistoryReader {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool open = true;
    std::atomic<int> dashboard_reads{0};
    std::atomic<int> history_reads{0};
    bool fail = false;
  };
  explicit GatedReader(Shared& shared) : shared_(shared) {}

  Result<std::vector<HistoryBucket>> ReadHistory(const HistoryQuery& query) override {
    Wait();
    ++shared_.history_reads;
    return std::vector<HistoryBucket>{{query.from_ms, "", 1, 1}};
  }
  Result<DashboardSnapshot> ReadDashboard(std::int64_t now_ms, int chart_minutes,
                                          const TenantPageRequest& page) override {
    Wait();
    ++shared_.dashboard_reads;
    if (shared_.fail) return Status::Unavailable("database down");
    DashboardSnapshot snapshot;
    snapshot.read_at_ms = now_ms;
    snapshot.chart_minutes = chart_minutes;
    snapshot.next_after = page.after.value_or("") + "/" + std::to_string(page.limit);  // which page was read
    return snapshot;
  }

 private:
  void Wait() {
    std::unique_lock lock(shared_.mu);
    shared_.cv.wait(lock, [this] { return shared_.open; });
  }
  Shared& shared_;
};

using Dashboard = HistoryService::DashboardResult;

std::future<Dashboard> ReadDashboard(HistoryService& service, TenantPageRequest page = {}) {
  auto promise = std::make_shared<std::promise<Dashboard>>();
  service.ReadDashboard(std::move(page), [promise](Dashboard result) { promise->set_value(result); });
  return promise->get_future();
}

TEST(HistoryService, ConcurrentDashboardReadsShareOneQuery) {
  GatedReader::Shared shared;
  shared.open = false;
  HistoryService service(2, std::chrono::seconds(60), [&] { return std::make_unique<GatedReader>(shared); }, 100,
                         [] { return std::int64_t{42}; });
  service.Start();
  std::vector<std::future<Dashboard>> answers;
  for (int i = 0; i < 5; ++i) answers.push_back(ReadDashboard(service));
  {
    std::lock_guard lock(shared.mu);
    shared.open = true;
  }
  shared.cv.notify_all();
  for (auto& answer : answers) {
    Dashboard result = answer.get();
    ASSERT_TRUE(result->ok());
    EXPECT_EQ(result->value().read_at_ms, 42);
    EXPECT_EQ(result->value().chart_minutes, HistoryService::kChartMinutes);
  }
  EXPECT_TRUE(ReadDashboard(service).get()->ok());  // fresh: from the shared snapshot
  EXPECT_EQ(shared.dashboard_reads.load(), 1);
}

TEST(HistoryService, OnlyTheFirstPageIsSharedAndEachPageGetsItsOwn) {
  GatedReader::Shared shared;
  HistoryService service(1, std::chrono::seconds(60), [&] { return std::make_unique<GatedReader>(shared); });
  service.Start();
  const TenantPageRequest second{"tenant-100", 100};
  EXPECT_EQ(ReadDashboard(service).get()->value().next_after, "/100");
  EXPECT_EQ(ReadDashboard(service, second).get()->value().next_after, "tenant-100/100");
  EXPECT_EQ(ReadDashboard(service, second).get()->value().next_after, "tenant-100/100");
  EXPECT_EQ(shared.dashboard_reads.load(), 3);  // later pages are read each time
  EXPECT_EQ(ReadDashboard(service).get()->value().next_after, "/100");
  EXPECT_EQ(shared.dashboard_reads.load(), 3);  // the first page was kept
  // A first page of another limit is not the kept one.
  EXPECT_EQ(ReadDashboard(service, TenantPageRequest{std::nullopt, 7}).get()->value().next_after, "/7");
  EXPECT_EQ(shared.dashboard_reads.load(), 4);
}

TEST(HistoryService, FailedDashboardReadIsNotKept) {
  GatedReader::Shared shared;
  shared.fail = true;
  HistoryService service(1, std::chrono::seconds(60), [&] { return std::make_unique<GatedReader>(shared); });
  service.Start();
  EXPECT_EQ(ReadDashboard(service).get()->status().code(), Status::Code::kUnavailable);
  shared.fail = false;
  EXPECT_TRUE(ReadDashboard(service).get()->ok());
  EXPECT_EQ(shared.dashboard_reads.load(), 2);
}

TEST(HistoryService, HistoryReadsRunOnQueryThreads) {
  GatedReader::Shared shared;
  HistoryService service(1, std::chrono::seconds(1), [&] { return std::make_unique<GatedReader>(shared); });
  service.Start();
  std::promise<HistoryService::HistoryResult> promise;
  HistoryQuery query;
  query.from_ms = 120'000;
  service.ReadHistory(query, [&](HistoryService::HistoryResult result) { promise.set_value(result); });
  const auto result = promise.get_future().get();
  ASSERT_TRUE(result->ok());
  EXPECT_EQ(result->value().front().start_ms, 120'000);
}

TEST(HistoryService, FullQueueAndStopAnswerAtOnce) {
  GatedReader::Shared shared;
  shared.open = false;
  HistoryService service(1, std::chrono::seconds(1), [&] { return std::make_unique<GatedReader>(shared); }, 1);
  service.Start();
  std::vector<Status::Code> codes;
  std::mutex mu;
  const auto record = [&](HistoryService::HistoryResult result) {
    std::lock_guard lock(mu);
    codes.push_back(result->ok() ? Status::Code::kOk : result->status().code());
  };
  // The first is taken by the thread (blocked at the gate), the second waits,
  // the third finds the queue full.
  service.ReadHistory({}, record);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the thread takes it
  service.ReadHistory({}, record);
  service.ReadHistory({}, record);
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes[0], Status::Code::kOverloaded);
  }
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard lock(shared.mu);
    shared.open = true;
    shared.cv.notify_all();
  });
  service.Stop();  // the queued read fails, the running one finishes
  opener.join();
  ASSERT_EQ(codes.size(), 3u);
  EXPECT_EQ(codes[1], Status::Code::kUnavailable);
  EXPECT_EQ(codes[2], Status::Code::kOk);
  codes.clear();
  service.ReadHistory({}, record);
  EXPECT_EQ(codes.front(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace flagmeter
