// DEAD_LETTER_MAX: the bound of the dead-letter list.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>

#include "config/config_env.hpp"
#include "flagmeter/config/config.hpp"

namespace flagmeter {
namespace {

TEST(DeadLetterMax, DefaultsTo100000AndReadsTheVariable) {
  Result<Config> defaults = LoadConfigFrom({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->queue.dead_letter_max, 100000);
  Result<Config> set = LoadConfigFrom({{"DEAD_LETTER_MAX", "5"}});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->queue.dead_letter_max, 5);
}

TEST(DeadLetterMax, RefusesZeroAndNamesTheVariable) {
  Result<Config> zero = LoadConfigFrom({{"DEAD_LETTER_MAX", "0"}});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message().rfind("DEAD_LETTER_MAX=", 0), 0u) << zero.status().message();
}

TEST(DeadLetterMax, HelpListsItRightAfterMaxQueueDepth) {
  const std::string help = ConfigHelp();
  const std::size_t depth = help.find("  MAX_QUEUE_DEPTH ");
  const std::size_t dead = help.find("  DEAD_LETTER_MAX ");
  ASSERT_NE(depth, std::string::npos);
  ASSERT_NE(dead, std::string::npos);
  EXPECT_LT(depth, dead);
  // No other variable's line between the two.
  const std::string between = help.substr(depth + 2, dead - depth - 2);
  EXPECT_FALSE(std::regex_search(between, std::regex("\n  [A-Z]"))) << between;
  EXPECT_NE(help.find("default: 100000; allowed: 1..100000000", dead), std::string::npos) << help.substr(dead, 300);
}

}  // namespace
}  // namespace flagmeter
