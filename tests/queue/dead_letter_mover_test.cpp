#include "flagmeter/queue/dead_letter_mover.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/fake_dead_letter_store.hpp"

namespace flagmeter {
namespace {

using fakes::FakeDeadLetterStore;
using Strings = std::vector<std::string>;

constexpr DeadLetterReason kRefused = DeadLetterReason::kRefused;
constexpr DeadLetterReason kUndecodable = DeadLetterReason::kUndecodable;

class DeadLetterMoverTest : public ::testing::Test {
 protected:
  void AddEvents(int n, DeadLetterReason reason = kRefused) {
    for (int i = 0; i < n; ++i) store_.Add(reason, "event " + std::to_string(++added_));
  }

  DeadLetterMoveReport Run(DeadLetterAction action, const DeadLetterSelection& selection,
                           std::size_t page_size = 2) {
    Result<DeadLetterMoveReport> report = MoveDeadLetters(store_, action, selection, page_size);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : DeadLetterMoveReport{};
  }

  FakeDeadLetterStore store_;
  int added_ = 0;
};

TEST_F(DeadLetterMoverTest, RedriveAllMovesEveryRecordOnceOldestFirstAcrossPages) {
  AddEvents(5);
  const DeadLetterMoveReport report = Run(DeadLetterAction::kRedrive, {.all = true});
  EXPECT_EQ(report.moved, 5);
  EXPECT_EQ(report.remaining, 0);
  EXPECT_FALSE(report.queue_full);
  EXPECT_EQ(store_.queue, (Strings{"event 1", "event 2", "event 3", "event 4", "event 5"}));
}

TEST_F(DeadLetterMoverTest, RedriveAllStopsAtRecordsSetAsideAfterItStarted) {
  AddEvents(4);
  // Each redriven event is refused again at once, as while the cause lasts.
  store_.on_move = [](FakeDeadLetterStore& store) { store.Add(kRefused, "again"); };
  const DeadLetterMoveReport report = Run(DeadLetterAction::kRedrive, {.all = true});
  EXPECT_EQ(report.moved, 4);
  EXPECT_EQ(store_.queue.size(), 4u);
  EXPECT_EQ(report.remaining, static_cast<std::int64_t>(store_.size()));
  EXPECT_LE(store_.move_calls, 3);  // pages of 2, then the end: no endless loop
}

TEST_F(DeadLetterMoverTest, CountTakesTheOldestOfTheGivenReason) {
  AddEvents(2, kUndecodable);
  AddEvents(3, kRefused);
  AddEvents(1, kUndecodable);
  const DeadLetterMoveReport report = Run(DeadLetterAction::kRedrive, {.count = 2, .reason = kRefused});
  EXPECT_EQ(report.moved, 2);
  EXPECT_EQ(store_.queue, (Strings{"event 3", "event 4"}));
  EXPECT_EQ(report.remaining, 4);
}

TEST_F(DeadLetterMoverTest, IdsMoveThoseRecordsAndNameTheMissingOnes) {
  AddEvents(4);
  const DeadLetterMoveReport report = Run(DeadLetterAction::kDiscard, {.ids = {2, 9, 4}});
  EXPECT_EQ(report.moved, 2);
  EXPECT_EQ(report.not_found, (std::vector<std::uint64_t>{9}));
  EXPECT_TRUE(store_.queue.empty());  // discarded, not queued
  EXPECT_EQ(report.remaining, 2);
  // A second try finds nothing: a record moves at most once.
  const DeadLetterMoveReport again = Run(DeadLetterAction::kRedrive, {.ids = {2, 4}});
  EXPECT_EQ(again.moved, 0);
  EXPECT_EQ(again.not_found, (std::vector<std::uint64_t>{2, 4}));
  EXPECT_TRUE(store_.queue.empty());
}

TEST_F(DeadLetterMoverTest, RedriveStopsAtTheQueuesBoundAndKeepsTheRest) {
  AddEvents(5);
  store_.max_queue_depth = 3;
  const DeadLetterMoveReport report = Run(DeadLetterAction::kRedrive, {.all = true});
  EXPECT_EQ(report.moved, 3);
  EXPECT_TRUE(report.queue_full);
  EXPECT_EQ(report.remaining, 2);
}

TEST_F(DeadLetterMoverTest, CountsFirstSoRecordsOfEarlierVersionsHaveIds) {
  AddEvents(1);
  Run(DeadLetterAction::kRedrive, {.all = true});
  EXPECT_GE(store_.count_calls, 2);  // before paging, and for `remaining`
}

}  // namespace
}  // namespace flagmeter
