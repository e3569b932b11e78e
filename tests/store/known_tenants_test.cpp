#include "flagmeter/store/known_tenants.hpp"

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

TEST(KnownTenants, ListsEachUnknownNameOnce) {
  KnownTenants known;
  EXPECT_EQ(known.Unknown({"a", "b", "a"}), (std::vector<std::string>{"a", "b"}));
  known.Add({"a"});
  EXPECT_EQ(known.Unknown({"a", "b", "a"}), (std::vector<std::string>{"b"}));
  known.Add({"b"});
  EXPECT_TRUE(known.Unknown({"a", "b"}).empty());
}

TEST(KnownTenants, StartsOverWhenFull) {
  KnownTenants known(2);
  known.Add({"a", "b"});
  EXPECT_TRUE(known.Unknown({"a", "b"}).empty());
  known.Add({"c"});
  EXPECT_EQ(known.Unknown({"a", "c"}), (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace flagmeter
