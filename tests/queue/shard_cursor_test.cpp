#include "flagmeter/queue/shard_cursor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace flagmeter {
namespace {

using Order = std::vector<std::size_t>;
using std::chrono::milliseconds;

const ShardCursor::Clock::time_point kStart{};

TEST(ShardCursor, StartsAtItsOffsetAndMovesOnAfterEachBatch) {
  ShardCursor cursor(4, 6);
  EXPECT_EQ(cursor.Order(kStart), (Order{2, 3, 0, 1}));
  cursor.Attempting(2);
  cursor.Yielded(2);
  cursor.Settled();
  EXPECT_EQ(cursor.Order(kStart), (Order{3, 0, 1, 2}));
}

TEST(ShardCursor, AHeldBatchOrALostReplyPinsTheShard) {
  ShardCursor cursor(4, 0);
  cursor.Attempting(0);  // the reply was lost: nothing else is tried
  EXPECT_EQ(cursor.Order(kStart), (Order{0}));
  cursor.Attempting(0);
  cursor.Yielded(0);  // a batch is held until it is settled
  EXPECT_EQ(cursor.Order(kStart), (Order{0}));
  EXPECT_EQ(cursor.current(), 0u);
  cursor.Settled();
  EXPECT_FALSE(cursor.pinned());
  EXPECT_EQ(cursor.Order(kStart), (Order{1, 2, 3, 0}));
}

TEST(ShardCursor, AnEmptyShardIsSkippedForAGrowingBackoffUntilItYields) {
  ShardCursor cursor(2, 0, milliseconds(40));
  cursor.Attempting(0);
  cursor.Empty(0, kStart);
  EXPECT_EQ(cursor.Order(kStart), (Order{1}));
  EXPECT_EQ(cursor.Order(kStart + ShardCursor::kFirstIdleBackoff), (Order{1, 0}));
  // Empty again and again: 5, 10, 20, then at most 40 ms.
  auto now = kStart + milliseconds(100);
  for (milliseconds expected : {milliseconds(10), milliseconds(20), milliseconds(40), milliseconds(40)}) {
    cursor.Attempting(0);
    cursor.Empty(0, now);
    EXPECT_EQ(cursor.Order(now + expected - milliseconds(1)), (Order{1}));
    EXPECT_EQ(cursor.Order(now + expected), (Order{1, 0}));
    now += milliseconds(100);
  }
  cursor.Attempting(0);
  cursor.Yielded(0);
  cursor.Settled();
  cursor.Attempting(0);
  cursor.Empty(0, now);  // the backoff starts over
  EXPECT_EQ(cursor.Order(now + ShardCursor::kFirstIdleBackoff), (Order{1, 0}));
}

TEST(ShardCursor, AllShardsIdleMeansNothingToTry) {
  ShardCursor cursor(2, 0);
  cursor.Attempting(0);
  cursor.Empty(0, kStart);
  cursor.Attempting(1);
  cursor.Empty(1, kStart);
  EXPECT_TRUE(cursor.Order(kStart).empty());
}

TEST(ShardCursor, OneShardIsNeverBackedOff) {
  ShardCursor cursor(1, 5);
  cursor.Attempting(0);
  cursor.Empty(0, kStart);
  EXPECT_EQ(cursor.Order(kStart), (Order{0}));
}

}  // namespace
}  // namespace flagmeter
