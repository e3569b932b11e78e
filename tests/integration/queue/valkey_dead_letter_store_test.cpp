// The dead-letter list's scripts against a real redis-server/valkey-server.
#include "flagmeter/queue/valkey_dead_letter_store.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "flagmeter/queue/dead_letter_mover.hpp"
#include "flagmeter/queue/event_codec.hpp"
#include "flagmeter/queue/valkey_queue.hpp"
#include "support/test_valkey.hpp"

namespace flagmeter {
namespace {

using Items = std::vector<std::string>;

class ValkeyDeadLetterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = valkey_.Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  QueueConfig Config() const {
    QueueConfig config;
    config.valkey = valkey_.endpoint();
    return config;
  }

  static std::string EventText(int i) {
    return EncodeEvent(Event{"id-" + std::to_string(i), "acme", "f", i + 1, 1'795'000'000'000, 1'795'000'000'000, 0});
  }

  // Sets `n` events aside through the worker's path, refused ones first.
  void DeadLetter(int n, int undecodable = 0) {
    Items texts;
    for (int i = 0; i < n; ++i) texts.push_back(i < n - undecodable ? EventText(i) : "garbage " + std::to_string(i));
    std::vector<std::string_view> push{"RPUSH", "events"};
    push.insert(push.end(), texts.begin(), texts.end());
    ASSERT_TRUE(valkey_.Command(push).ok());
    ValkeyQueue queue(Config());
    ASSERT_TRUE(queue.Claim(1000).ok());
    for (int i = 0; i < n; ++i) {
      const bool refused = i < n - undecodable;
      ASSERT_TRUE(queue.DeadLetter(texts[i], refused ? DeadLetterReason::kRefused : DeadLetterReason::kUndecodable,
                                   refused ? "refused by the store: check" : "undecodable: not JSON")
                      .ok());
    }
    ASSERT_TRUE(queue.Ack().ok());
  }

  static std::vector<std::uint64_t> Ids(const DeadLetterPage& page) {
    std::vector<std::uint64_t> ids;
    for (const DeadLetterEntry& entry : page.entries) ids.push_back(entry.id);
    return ids;
  }

  test::TestValkey valkey_;
};

TEST_F(ValkeyDeadLetterStoreTest, ListsAPageAtATimeByCursor) {
  DeadLetter(7, /*undecodable=*/2);
  ValkeyDeadLetterStore store(Config());
  auto first = store.List(0, 3);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(Ids(*first), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(first->more);
  EXPECT_EQ(first->total, 7);
  EXPECT_EQ(first->tail_id, 7u);
  ASSERT_TRUE(first->entries[0].event.has_value());
  EXPECT_EQ(first->entries[0].event->id, "id-0");
  EXPECT_EQ(first->entries[0].reason, DeadLetterReason::kRefused);

  auto second = store.List(3, 3);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Ids(*second), (std::vector<std::uint64_t>{4, 5, 6}));
  EXPECT_TRUE(second->more);
  EXPECT_EQ(second->entries[2].reason, DeadLetterReason::kUndecodable);
  EXPECT_EQ(second->entries[2].queue_text, "garbage 5");

  auto last = store.List(6, 3);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(Ids(*last), (std::vector<std::uint64_t>{7}));
  EXPECT_FALSE(last->more);

  auto counts = store.Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->refused, 5);
  EXPECT_EQ(counts->undecodable, 2);
  EXPECT_EQ(counts->renumbered, 0);
}

TEST_F(ValkeyDeadLetterStoreTest, RecordsOfAnEarlierVersionAreCountedNumberedAndStillReadable) {
  const Items legacy{R"({"at":5,"event":)" + EventText(0) + R"(,"reason":"refused by the store: check"})",
                     R"({"at":6,"event":"garbage","reason":"undecodable: not JSON"})", "not a record at all"};
  std::vector<std::string_view> push{"RPUSH", "events:dead"};
  push.insert(push.end(), legacy.begin(), legacy.end());
  ASSERT_TRUE(valkey_.Command(push).ok());

  ValkeyDeadLetterStore store(Config());
  auto counts = store.Count();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->refused, 1);
  EXPECT_EQ(counts->undecodable, 2);
  EXPECT_EQ(counts->renumbered, 3);

  auto page = store.List(0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(page->entries[0].detail, "refused by the store: check");
  EXPECT_EQ(page->entries[0].at_ms, 5);
  ASSERT_TRUE(page->entries[0].event.has_value());
  EXPECT_EQ(page->entries[1].reason, DeadLetterReason::kUndecodable);
  EXPECT_EQ(page->entries[2].queue_text, "not a record at all");

  // New records continue after them, and the counts stay right.
  DeadLetter(1);
  counts = store.Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->refused, 2);
  EXPECT_EQ(counts->renumbered, 0);
  page = store.List(3, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::uint64_t>{4}));
}

TEST_F(ValkeyDeadLetterStoreTest, RedriveMovesRecordsBackOnceEvenWhenTwoRunAtOnce) {
  DeadLetter(40);
  ValkeyDeadLetterStore lister(Config());
  auto page = lister.List(0, 40);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 40u);

  std::int64_t moved[2] = {0, 0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      ValkeyDeadLetterStore store(Config());
      bool full = false;
      auto result = store.Move(DeadLetterAction::kRedrive, page->entries, full);
      moved[t] = result.ok() ? *result : -1;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(moved[0] + moved[1], 40);
  const Items queue = valkey_.ListItems("events");
  ASSERT_EQ(queue.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(nlohmann::json::parse(queue[i]), nlohmann::json::parse(EventText(i))) << i;
  }
  EXPECT_EQ(valkey_.ListLength("events:dead"), 0);
  auto counts = lister.Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->refused, 0);
}

TEST_F(ValkeyDeadLetterStoreTest, RedriveStopsAtMaxQueueDepthAndDiscardDrops) {
  DeadLetter(5);
  QueueConfig config = Config();
  config.max_depth = 2;
  ValkeyDeadLetterStore store(config);
  auto report = MoveDeadLetters(store, DeadLetterAction::kRedrive, {.all = true});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->moved, 2);
  EXPECT_TRUE(report->queue_full);
  EXPECT_EQ(report->remaining, 3);
  EXPECT_EQ(valkey_.ListLength("events"), 2);

  auto found = store.Find({3, 99});
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE((*found)[0].has_value());
  EXPECT_EQ((*found)[0]->id, 3u);
  EXPECT_FALSE((*found)[1].has_value());

  report = MoveDeadLetters(store, DeadLetterAction::kDiscard, {.ids = {4, 3, 99}});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->moved, 2);
  EXPECT_EQ(report->not_found, (std::vector<std::uint64_t>{99}));
  EXPECT_EQ(report->remaining, 1);
  EXPECT_EQ(valkey_.ListLength("events"), 2);  // discarded, not queued
  auto page = store.List(0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::uint64_t>{5}));
}

}  // namespace
}  // namespace flagmeter
