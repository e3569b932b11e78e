#include "queue/cluster_slots.hpp"

#include <gtest/gtest.h>

#include <string>

namespace flagmeter {
namespace {

TEST(ClusterSlots, Crc16IsTheXmodemVariantOfTheSpec) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
  EXPECT_EQ(Crc16(""), 0);
  EXPECT_EQ(ClusterKeySlot("123456789"), 0x31C3 % 16384);
}

TEST(ClusterSlots, KnownSlotsOfPlainKeys) {
  // Values answered by CLUSTER KEYSLOT.
  EXPECT_EQ(ClusterKeySlot("foo"), 12182);
  EXPECT_EQ(ClusterKeySlot("bar"), 5061);
  EXPECT_EQ(ClusterKeySlot("events"), ClusterKeySlot(std::string("events")));
}

TEST(ClusterSlots, HashTagIsTheTextBetweenTheFirstOpenAndTheNextClose) {
  EXPECT_EQ(ClusterHashTag("{user1000}.following"), "user1000");
  EXPECT_EQ(ClusterHashTag("{user1000}.followers"), "user1000");
  EXPECT_EQ(ClusterHashTag("foo{bar}{zap}"), "bar");
  EXPECT_EQ(ClusterHashTag("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(ClusterKeySlot("{user1000}.following"), ClusterKeySlot("{user1000}.followers"));
  EXPECT_EQ(ClusterKeySlot("{user1000}.following"), ClusterKeySlot("user1000"));
  EXPECT_EQ(ClusterKeySlot("foo{bar}{zap}"), ClusterKeySlot("bar"));
  EXPECT_EQ(ClusterKeySlot("foo{{bar}}zap"), ClusterKeySlot("{bar"));
}

TEST(ClusterSlots, EmptyOrUnclosedTagHashesTheWholeKey) {
  EXPECT_EQ(ClusterHashTag("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(ClusterHashTag("{}"), "{}");
  EXPECT_EQ(ClusterHashTag("foo{bar"), "foo{bar");
  EXPECT_EQ(ClusterHashTag("foo}bar{"), "foo}bar{");
  EXPECT_EQ(ClusterHashTag("plain"), "plain");
  EXPECT_EQ(ClusterKeySlot("foo{}{bar}"), Crc16("foo{}{bar}") % 16384);
}

TEST(ClusterSlots, EverySlotIsInRangeAndBytesMayBeBinary) {
  const std::string binary("a\0b{\xff}", 6);
  EXPECT_EQ(ClusterHashTag(binary), "\xff");
  for (int i = 0; i < 10000; ++i) {
    const int slot = ClusterKeySlot("key:" + std::to_string(i));
    ASSERT_GE(slot, 0);
    ASSERT_LT(slot, kClusterSlotCount);
  }
}

TEST(ClusterSlots, KeylessCommandsAreKnownInAnyCase) {
  for (const char* keyless : {"PING", "wait", "Info", "CLUSTER", "script", "ECHO", "CONFIG", "TIME"}) {
    EXPECT_TRUE(IsKeylessCommand(keyless)) << keyless;
  }
  for (const char* keyed : {"GET", "SET", "rpush", "EVALSHA", "LLEN", "DEL", "MGET", "WAITX", ""}) {
    EXPECT_FALSE(IsKeylessCommand(keyed)) << keyed;
  }
}

}  // namespace
}  // namespace flagmeter
