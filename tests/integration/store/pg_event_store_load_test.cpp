#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "flagmeter/store/pg_event_store.hpp"
#include "support/test_postgres.hpp"

namespace flagmeter {
namespace {

using test::QueryInt64;

constexpr std::int64_t kBaseMs = 1'773'000'000'000;  // March 2026

// Event `n` of a deterministic stream: 5 tenants, 3 features, a few minutes.
Event StreamEvent(int n) {
  return Event{"ev-" + std::to_string(n), "tenant-" + std::to_string(n % 5),
               "feature-" + std::to_string(n % 3), 1 + n % 1000, kBaseMs + (n % 240) * 1000,
               kBaseMs + 300'000};
}

std::int64_t StreamTokens(int count) {
  std::int64_t total = 0;
  for (int n = 0; n < count; ++n) total += StreamEvent(n).tokens;
  return total;
}

struct WorkerTally {
  std::size_t inserted = 0;
  std::size_t duplicates = 0;
  std::vector<std::string> errors;
};

// Commits `batches` (lists of stream indexes), shuffled within each batch so
// concurrent workers meet the same rows in different orders.
void CommitAll(const std::string& url, const std::vector<std::vector<int>>& batches,
               unsigned seed, WorkerTally& tally) {
  PgEventStore store(url);
  std::mt19937 random(seed);
  for (std::vector<int> batch : batches) {
    std::shuffle(batch.begin(), batch.end(), random);
    std::vector<Event> events;
    for (int n : batch) events.push_back(StreamEvent(n));
    Result<CommitOutcome> outcome = store.CommitBatch(events);
    if (!outcome.ok()) {
      tally.errors.push_back(outcome.status().ToString());
      continue;
    }
    tally.inserted += outcome->inserted;
    tally.duplicates += outcome->duplicates;
  }
}

std::vector<std::vector<int>> Batches(int first, int count, int size, int modulo) {
  std::vector<std::vector<int>> batches;
  for (int start = first; start < first + count; start += size) {
    std::vector<int> batch;
    for (int n = start; n < std::min(start + size, first + count); ++n) batch.push_back(n % modulo);
    batches.push_back(std::move(batch));
  }
  return batches;
}

class PgEventStoreLoadTest : public test::MigratedPostgresTest {};

TEST_F(PgEventStoreLoadTest, ConcurrentOverlappingBatchesCountEachEventOnce) {
  constexpr int kEvents = 4000;
  // Worker B starts half a batch later and wraps around, so every event is
  // sent by both workers, mostly at about the same time.
  const auto batches_a = Batches(0, kEvents, 400, kEvents);
  const auto batches_b = Batches(200, kEvents, 400, kEvents);
  WorkerTally a;
  WorkerTally b;
  std::thread worker_a([&] { CommitAll(database_url(), batches_a, 1, a); });
  std::thread worker_b([&] { CommitAll(database_url(), batches_b, 2, b); });
  worker_a.join();
  worker_b.join();

  for (const std::string& error : a.errors) ADD_FAILURE() << "worker a: " << error;
  for (const std::string& error : b.errors) ADD_FAILURE() << "worker b: " << error;
  EXPECT_EQ(a.inserted + b.inserted, static_cast<std::size_t>(kEvents));
  EXPECT_EQ(a.duplicates + b.duplicates, static_cast<std::size_t>(kEvents));
  EXPECT_EQ(QueryInt64(database_url(), "SELECT count(*) FROM tenants"), 5);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT count(*) FROM events"), kEvents);
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(tokens) FROM usage_minute"),
            StreamTokens(kEvents));
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(tokens) FROM usage_day"),
            StreamTokens(kEvents));
  EXPECT_EQ(QueryInt64(database_url(), "SELECT sum(events) FROM usage_day"), kEvents);
}

// Not a benchmark: prints the time per batch so regressions show in the log.
TEST_F(PgEventStoreLoadTest, ReportsTimePerBatchOf1000) {
  constexpr int kBatches = 10;
  constexpr int kBatchSize = 1000;
  PgEventStore store(database_url());
  for (int b = 0; b < kBatches; ++b) {
    std::vector<Event> events;
    for (int n = b * kBatchSize; n < (b + 1) * kBatchSize; ++n) events.push_back(StreamEvent(n));
    const auto start = std::chrono::steady_clock::now();
    Result<CommitOutcome> outcome = store.CommitBatch(events);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    EXPECT_EQ(outcome->inserted, static_cast<std::size_t>(kBatchSize));
    std::printf("[ timing   ] batch %d of %d events: %.1f ms\n", b + 1, kBatchSize,
                std::chrono::duration<double, std::milli>(elapsed).count());
  }
}

}  // namespace
}  // namespace flagmeter
