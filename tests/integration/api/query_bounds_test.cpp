// What one usage or history request may make the process read and hold is
// bounded, whatever the tenant's feature count, and so are the queues of
// reads waiting for a query thread (docs/reliability.md, "Metric series and
// query sizes").
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "api_fixture.hpp"
#include "flagmeter/core/clock.hpp"
#include "flagmeter/core/rfc3339.hpp"
#include "process_memory.hpp"

namespace flagmeter::test {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr int kManyFeatures = 5'000;
constexpr int kUsageMaxFeatures = 100;  // USAGE_MAX_FEATURES's default
constexpr std::int64_t kMaxRssGrowthKb = 5 * 1024;

// Feature i of the tenant with many features: names sort like their numbers;
// 70 token amounts, so many features tie.
std::string FeatureName(int i) {
  std::string digits = std::to_string(i);
  return "f-" + std::string(5 - digits.size(), '0') + digits;
}
std::int64_t FeatureTokens(int i) { return i % 70 + 1; }

// Tenant `name` with kManyFeatures features, each used once in the minute
// `minute_ms` (and so in its hour and day), written straight into the
// rollups: far quicker than sending the events.
void InsertTenantWithManyFeatures(const std::string& url, const std::string& name, std::int64_t minute_ms) {
  pqxx::connection connection(url);
  pqxx::work tx(connection);
  const std::string at = "timestamptz 'epoch' + " + std::to_string(minute_ms) + " * interval '1 millisecond'";
  const std::string features = "generate_series(1, " + std::to_string(kManyFeatures) + ") g";
  const std::string feature = "'f-' || lpad(g::text, 5, '0')";
  const std::string tokens = "g % 70 + 1";
  tx.exec("INSERT INTO tenants (name) VALUES (" + tx.quote(name) + ")");
  const std::string tenant = "(SELECT id FROM tenants WHERE name = " + tx.quote(name) + ")";
  tx.exec("INSERT INTO usage_minute (tenant_id, feature, minute, tokens, events) SELECT " + tenant + ", " + feature +
          ", " + at + ", " + tokens + ", 1 FROM " + features);
  tx.exec("INSERT INTO usage_hour (tenant_id, feature, hour, tokens, events) SELECT " + tenant + ", " + feature +
          ", date_trunc('hour', " + at + ", 'UTC'), " + tokens + ", 1 FROM " + features);
  tx.exec("INSERT INTO usage_day (tenant_id, feature, day, tokens, events) SELECT " + tenant + ", " + feature +
          ", date_trunc('day', " + at + ", 'UTC'), " + tokens + ", 1 FROM " + features);
  tx.commit();
}

class QueryBoundsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    minute_ms_ = (NowMs() / kMinuteMs - 10) * kMinuteMs;
    ASSERT_NO_THROW(InsertTenantWithManyFeatures(database_->url(), "many", minute_ms_));
  }

  std::int64_t minute_ms_ = 0;
};

TEST_F(QueryBoundsTest, UsageListsTheLargestFeaturesAndSumsTheRestIntoOtherFeatures) {
  const HttpResult usage = client_->Get("/api/usage/many");
  ASSERT_EQ(usage.status, 200) << usage.body;
  const nlohmann::json body = usage.Json();

  std::vector<std::pair<std::int64_t, std::string>> expected;  // (-tokens, name): most tokens, then by name
  std::int64_t total = 0;
  for (int i = 1; i <= kManyFeatures; ++i) {
    expected.emplace_back(-FeatureTokens(i), FeatureName(i));
    total += FeatureTokens(i);
  }
  std::sort(expected.begin(), expected.end());
  std::cout << "GET /api/usage of a tenant with " << kManyFeatures << " features: " << body["features"].size()
            << " features listed, " << usage.body.size() << " bytes\n";
  ASSERT_EQ(body["features"].size(), static_cast<std::size_t>(kUsageMaxFeatures));
  std::int64_t listed = 0;
  for (int i = 0; i < kUsageMaxFeatures; ++i) {
    EXPECT_EQ(body["features"][i]["feature"], expected[i].second) << "entry " << i;
    EXPECT_EQ(body["features"][i]["tokens"], -expected[i].first) << "entry " << i;
    listed += -expected[i].first;
  }
  EXPECT_EQ(body["totalTokens"], total);
  ASSERT_TRUE(body.contains("otherFeatures")) << usage.body.substr(0, 300);
  EXPECT_EQ(body["otherFeatures"]["count"], kManyFeatures - kUsageMaxFeatures);
  EXPECT_EQ(body["otherFeatures"]["tokens"], total - listed);
  EXPECT_EQ(body["otherFeatures"]["events"], kManyFeatures - kUsageMaxFeatures);
}

TEST_F(QueryBoundsTest, UsageOfAFewFeaturesHasNoOtherFeatures) {
  ASSERT_EQ(client_->PostJson("/api/events", R"({"tenant":"few","feature":"a","tokens":5})").status, 201);
  const HttpResult usage = WaitForTotal("few", 5, std::chrono::seconds(5));
  ASSERT_EQ(usage.status, 200);
  EXPECT_EQ(usage.Json()["features"].size(), 1u);
  EXPECT_FALSE(usage.Json().contains("otherFeatures"));
}

TEST_F(QueryBoundsTest, GroupingTooManyFeaturesIsRefusedWithoutGrowingTheProcess) {
  // 500 minute windows: 5,000 features would make 2.5 million points.
  const std::string query = "/api/usage/many?window=minute&groupBy=feature&from=" +
                            FormatRfc3339(minute_ms_ - 490 * kMinuteMs) + "&to=" + FormatRfc3339(minute_ms_ + 10 * kMinuteMs);
  ASSERT_EQ(client_->Get("/api/usage/many").status, 200);  // the usage read alone, before measuring
  const std::int64_t rss_before_kb = ResidentKb(process_->pid());
  ASSERT_GT(rss_before_kb, 0);
  for (int i = 0; i < 3; ++i) {
    const HttpResult refused = client_->Get(query);
    ASSERT_EQ(refused.status, 400) << refused.body.substr(0, 300);
    EXPECT_EQ(refused.Json()["details"][0]["path"], "groupBy");
  }
  const std::int64_t rss_after_kb = ResidentKb(process_->pid());
  std::cout << "groupBy=feature over " << kManyFeatures << " features x 500 windows, answered 400 three times: VmRSS "
            << rss_before_kb << " kB -> " << rss_after_kb << " kB\n";
  EXPECT_LT(rss_after_kb - rss_before_kb, kMaxRssGrowthKb);

  // Within the bound the grouped series still works.
  const HttpResult one = client_->Get("/api/usage/many?window=minute&groupBy=feature&feature=f-00007&from=" +
                                      FormatRfc3339(minute_ms_) + "&to=" + FormatRfc3339(minute_ms_ + kMinuteMs));
  ASSERT_EQ(one.status, 200) << one.body.substr(0, 300);
  EXPECT_EQ(one.Json()["series"].size(), 1u);
}

// One query thread per kind and room for one waiting read: a table lock
// holds the thread, a second read waits, a third is refused at once.
class ReadQueueBoundTest : public ApiTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() const override {
    return {{"USAGE_READERS", "1"},      {"HISTORY_READERS", "1"}, {"USAGE_READ_QUEUE", "1"},
            {"HISTORY_READ_QUEUE", "1"}, {"USAGE_CACHE_MS", "0"}};
  }

  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = std::make_unique<pqxx::connection>(database_->url());
    pqxx::nontransaction tx(*admin_);
    tx.exec("INSERT INTO tenants (name) VALUES ('q1'), ('q2'), ('q3')");
  }

  // Waits until a statement of this database waits for a lock (the held read).
  bool WaitForLockWaiter() {
    for (int i = 0; i < 500; ++i) {
      if (QueryInt64(database_->url(),
                     "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND wait_event_type = 'Lock'") > 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Holds `table` locked while three GETs of `targets` are sent: the first
  // takes the one query thread, the second waits in the queue, the third
  // must be answered 503 with Retry-After while the lock is still held.
  void ExpectThirdReadRefused(const std::string& table, const std::vector<std::string>& targets) {
    pqxx::work lock(*admin_);
    lock.exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
    auto get = [port = process_->port()](std::string target) { return HttpClient(port).Get(target); };
    auto held = std::async(std::launch::async, get, targets[0]);
    ASSERT_TRUE(WaitForLockWaiter()) << "the first read never reached the locked table";
    auto waiting = std::async(std::launch::async, get, targets[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the second read is queued by now
    auto refused = std::async(std::launch::async, get, targets[2]);
    const bool answered_at_once = refused.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
    lock.commit();
    const HttpResult third = refused.get();
    std::cout << table << " locked, third read: answered within 2 s: " << answered_at_once << ", status "
              << third.status << ", Retry-After '" << third.Header("retry-after") << "'\n";
    EXPECT_TRUE(answered_at_once) << "the third read waited in an unbounded queue";
    EXPECT_EQ(third.status, 503) << third.body;
    EXPECT_FALSE(third.Header("retry-after").empty());
    EXPECT_EQ(held.get().status, 200);
    EXPECT_EQ(waiting.get().status, 200);
    EXPECT_EQ(client_->Get(targets[2]).status, 200);  // the bound recovers
  }

  std::unique_ptr<pqxx::connection> admin_;
};

TEST_F(ReadQueueBoundTest, UsageReadsBeyondTheQueueBoundAre503) {
  ExpectThirdReadRefused("usage_day", {"/api/usage/q1", "/api/usage/q2", "/api/usage/q3"});
}

TEST_F(ReadQueueBoundTest, HistoryReadsBeyondTheQueueBoundAre503) {
  const std::int64_t now = NowMs() / kMinuteMs * kMinuteMs;
  const std::string series = "?window=minute&from=" + FormatRfc3339(now - 10 * kMinuteMs) + "&to=" + FormatRfc3339(now);
  ExpectThirdReadRefused("usage_minute",
                         {"/api/usage/q1" + series, "/api/usage/q2" + series, "/api/usage/q3" + series});
}

}  // namespace
}  // namespace flagmeter::test
