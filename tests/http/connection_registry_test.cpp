#include "http/connection_registry.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace flagmeter {
namespace {

TEST(ConnectionRegistry, GivesExactlyMaxSlotsAndTakesThemBack) {
  ConnectionRegistry registry;
  std::vector<ConnectionRegistry::Slot> slots;
  for (int i = 0; i < 3; ++i) {
    std::optional<ConnectionRegistry::Slot> slot = registry.TryAcquire(3);
    ASSERT_TRUE(slot.has_value()) << i;
    slots.push_back(std::move(*slot));
  }
  EXPECT_FALSE(registry.TryAcquire(3).has_value());
  EXPECT_EQ(registry.Count(), 3u);
  slots.pop_back();
  EXPECT_EQ(registry.Count(), 2u);
  EXPECT_TRUE(registry.TryAcquire(3).has_value());  // a temporary: released at once
  EXPECT_EQ(registry.Count(), 2u);
}

TEST(ConnectionRegistry, ASessionEndedByAnExceptionGivesItsSlotBack) {
  ConnectionRegistry registry;
  try {
    ConnectionRegistry::Slot slot = std::move(*registry.TryAcquire(1));
    ConnectionRegistry::Slot moved = std::move(slot);  // the moved-from slot releases nothing
    EXPECT_EQ(registry.Count(), 1u);
    throw std::runtime_error("session failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(registry.Count(), 0u);
  EXPECT_TRUE(registry.TryAcquire(1).has_value());
}

TEST(ConnectionRegistry, CloseAllAsksEveryConnectionThatSetACloser) {
  ConnectionRegistry registry;
  int closed = 0;
  ConnectionRegistry::Slot with_closer = std::move(*registry.TryAcquire(10));
  with_closer.SetCloser([&closed] { ++closed; });
  ConnectionRegistry::Slot just_accepted = std::move(*registry.TryAcquire(10));  // no closer yet
  EXPECT_FALSE(registry.closing());
  registry.CloseAll();
  EXPECT_TRUE(registry.closing());
  EXPECT_EQ(closed, 1);
}

}  // namespace
}  // namespace flagmeter
