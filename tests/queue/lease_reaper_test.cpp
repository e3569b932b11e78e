#include "flagmeter/queue/lease_reaper.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace flagmeter {
namespace {

using namespace std::chrono_literals;

constexpr auto kNeverAgain = std::chrono::hours(1);  // a period no test waits for

// The queue as the reaper sees it: each reap takes the next scripted answer
// (0 events once the script is used up) and is counted.
class FakeLeases {
 public:
  using Answer = std::function<Result<std::size_t>()>;

  void Then(Answer answer) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(answer));
  }

  MakeReap Maker() {
    return [this]() -> ReapExpiredLeases {
      {
        std::lock_guard lock(mu_);
        ++made_;
      }
      return [this] { return Reap(); };
    };
  }

  int reaps() {
    std::lock_guard lock(mu_);
    return reaps_;
  }
  int made() {
    std::lock_guard lock(mu_);
    return made_;
  }

 private:
  Result<std::size_t> Reap() {
    Answer answer = [] { return Result<std::size_t>(std::size_t{0}); };
    {
      std::lock_guard lock(mu_);
      ++reaps_;
      if (!script_.empty()) {
        answer = std::move(script_.front());
        script_.pop_front();
      }
    }
    return answer();
  }

  std::mutex mu_;
  std::deque<Answer> script_;  // guarded by mu_
  int reaps_ = 0;              // guarded by mu_
  int made_ = 0;               // guarded by mu_
};

// The default logger writes into a string while it lives. Read it only once
// the reaper has stopped.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    sink->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("lease_reaper_test", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  int Lines(std::string_view needle) const {
    std::istringstream lines(text_.str());
    int count = 0;
    for (std::string line; std::getline(lines, line);) count += line.find(needle) != std::string::npos;
    return count;
  }
  std::string text() const { return text_.str(); }

 private:
  const std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream text_;
};

template <typename Predicate>
bool Eventually(Predicate predicate) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

Result<std::size_t> Unavailable() { return Status::Unavailable("valkey 127.0.0.1:6379: EVALSHA: Connection refused"); }

const ThreadHealth::Group& ReaperGroup(const std::vector<ThreadHealth::Group>& groups) {
  return groups[static_cast<std::size_t>(ThreadGroup::kLeaseReaper)];
}

TEST(LeaseReaperTest, ReapsAsSoonAsItStartsAndStopWakesItOutOfItsPeriod) {
  FakeLeases leases;
  LeaseReaper reaper(leases.Maker(), kNeverAgain);
  reaper.Start();
  ASSERT_TRUE(Eventually([&] { return leases.reaps() == 1; })) << leases.reaps();

  const auto stop_began = std::chrono::steady_clock::now();
  reaper.Stop();
  // An hour-long wait was cut short: Stop does not wait for the next period.
  EXPECT_LT(std::chrono::steady_clock::now() - stop_began, 30s);
  EXPECT_EQ(leases.reaps(), 1);
}

TEST(LeaseReaperTest, ReapsAgainEveryPeriod) {
  FakeLeases leases;
  LeaseReaper reaper(leases.Maker(), 10ms);
  reaper.Start();
  EXPECT_TRUE(Eventually([&] { return leases.reaps() >= 5; })) << leases.reaps();
  reaper.Stop();
  const int reaps = leases.reaps();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(leases.reaps(), reaps) << "no reap after Stop";
  EXPECT_EQ(leases.made(), 1) << "one reap (one connection) for the thread's whole life";
}

TEST(LeaseReaperTest, StartAndStopAreIdempotentAndExpectTheThreadWhileItRuns) {
  ThreadHealth health;
  FakeLeases leases;
  LeaseReaper reaper(leases.Maker(), kNeverAgain, &health);
  reaper.Stop();  // before any Start
  reaper.Start();
  reaper.Start();
  EXPECT_EQ(ReaperGroup(health.Snapshot()).expected, 1);
  EXPECT_EQ(ReaperGroup(health.Snapshot()).running, 1);
  ASSERT_TRUE(Eventually([&] { return leases.reaps() == 1; }));
  EXPECT_EQ(leases.made(), 1);
  reaper.Stop();
  reaper.Stop();
  EXPECT_EQ(ReaperGroup(health.Snapshot()).expected, 0);
  EXPECT_EQ(ReaperGroup(health.Snapshot()).running, 0);

  reaper.Start();  // a stopped reaper starts again, and reaps at once again
  EXPECT_TRUE(Eventually([&] { return leases.reaps() == 2; })) << leases.reaps();
  EXPECT_EQ(leases.made(), 2);
}

TEST(LeaseReaperTest, AReapThatThrowsRestartsTheThreadWithANewReap) {
  ThreadHealth health;
  FakeLeases leases;
  leases.Then([]() -> Result<std::size_t> { throw std::runtime_error("lost the connection's state"); });
  LeaseReaper reaper(leases.Maker(), kNeverAgain, &health);
  reaper.Start();
  // The supervisor restarts the thread after its 100 ms backoff; the new run reaps at once.
  ASSERT_TRUE(Eventually([&] { return leases.reaps() == 2; })) << leases.reaps();
  EXPECT_EQ(leases.made(), 2);
  EXPECT_EQ(ReaperGroup(health.Snapshot()).restarts, 1);
  EXPECT_TRUE(Eventually([&] { return !health.Degraded(); }));
  reaper.Stop();
}

TEST(LeaseReaperTest, AFailedReapIsLoggedAndTriedAgainAPeriodLater) {
  CapturedLog log;
  FakeLeases leases;
  leases.Then([]() -> Result<std::size_t> { return Status::Internal("EVALSHA: NOSCRIPT No matching script"); });
  leases.Then([] { return Result<std::size_t>(std::size_t{3}); });
  {
    LeaseReaper reaper(leases.Maker(), 10ms);
    reaper.Start();
    EXPECT_TRUE(Eventually([&] { return leases.reaps() >= 3; })) << leases.reaps();
  }
  EXPECT_EQ(log.Lines("putting back expired batches failed (tried again in 10 ms): Internal: EVALSHA: NOSCRIPT"), 1)
      << log.text();
  EXPECT_EQ(log.Lines("put back 3 events of consumers whose lease ran out"), 1) << log.text();
  EXPECT_EQ(log.Lines("Valkey is unreachable"), 0) << log.text();
}

TEST(LeaseReaperTest, AValkeyOutageIsLoggedOnceWhenItBeginsAndOnceWhenItEnds) {
  CapturedLog log;
  FakeLeases leases;
  for (int i = 0; i < 5; ++i) leases.Then(Unavailable);
  leases.Then([] { return Result<std::size_t>(std::size_t{2}); });
  leases.Then(Unavailable);
  {
    LeaseReaper reaper(leases.Maker(), 10ms);
    reaper.Start();
    EXPECT_TRUE(Eventually([&] { return leases.reaps() >= 8; })) << leases.reaps();
  }
  EXPECT_EQ(log.Lines("warning lease reaper: Valkey is unreachable"), 2) << log.text();
  EXPECT_EQ(log.Lines("info lease reaper: Valkey is reachable again"), 2) << log.text();
  EXPECT_EQ(log.Lines("put back 2 events of consumers whose lease ran out"), 1) << log.text();
  EXPECT_EQ(log.Lines("putting back expired batches failed"), 0) << log.text();
}

}  // namespace
}  // namespace flagmeter
