// IDEMPOTENCY_WINDOW_DAYS: how long event ids are remembered, and so how far
// back an event's timestamp may lie.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config_env.hpp"
#include "flagmeter/config/config.hpp"

namespace flagmeter {
namespace {

TEST(IdempotencyWindowConfig, DefaultsToSixtyTwoDaysAndReadsTheVariable) {
  Result<Config> defaults = LoadConfigFrom({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->store.idempotency_window_days, 62);
  Result<Config> set = LoadConfigFrom({{"IDEMPOTENCY_WINDOW_DAYS", "400"}});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->store.idempotency_window_days, 400);
}

TEST(IdempotencyWindowConfig, RefusesValuesOutOfRangeNamingTheVariable) {
  for (const char* value : {"0", "-1", "3661", "two"}) {
    Result<Config> bad = LoadConfigFrom({{"IDEMPOTENCY_WINDOW_DAYS", value}});
    ASSERT_FALSE(bad.ok()) << "'" << value << "'";
    EXPECT_NE(bad.status().message().find("IDEMPOTENCY_WINDOW_DAYS"), std::string::npos) << bad.status().ToString();
  }
}

TEST(IdempotencyWindowConfig, HelpListsItWithItsDefaultAndRange) {
  const std::string help = ConfigHelp();
  const std::size_t at = help.find("  IDEMPOTENCY_WINDOW_DAYS ");
  ASSERT_NE(at, std::string::npos) << help;
  // Its name line and the detail line below it.
  const std::size_t detail_end = help.find('\n', help.find('\n', at + 1) + 1);
  const std::string entry = help.substr(at, detail_end - at);
  EXPECT_NE(entry.find("default: 62; allowed: 1..3660"), std::string::npos) << entry;
}

}  // namespace
}  // namespace flagmeter
