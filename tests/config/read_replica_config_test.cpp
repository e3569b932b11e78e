// DATABASE_READ_URL and MAX_READ_LAG_MS: reads from a hot standby, and the
// lag beyond which they go to the primary.
#include <gtest/gtest.h>

#include <string>

#include "config/config_env.hpp"
#include "flagmeter/config/config.hpp"

namespace flagmeter {
namespace {

std::string HelpEntry(const std::string& name) {
  const std::string help = ConfigHelp();
  const std::size_t at = help.find("  " + name + " ");
  if (at == std::string::npos) return "";
  const std::size_t detail_end = help.find('\n', help.find('\n', at + 1) + 1);
  return help.substr(at, detail_end - at);
}

TEST(ReadReplicaConfig, DefaultsToEveryReadOnThePrimaryAndAFiveSecondBound) {
  Result<Config> defaults = LoadConfigFrom({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->store.database_read_url, "");
  EXPECT_EQ(defaults->store.max_read_lag_ms, 5000);
}

TEST(ReadReplicaConfig, ReadsBothVariables) {
  Result<Config> set = LoadConfigFrom({{"DATABASE_READ_URL", "postgresql://reader@standby:5432/flagmeter"},
                                       {"MAX_READ_LAG_MS", "250"}});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->store.database_read_url, "postgresql://reader@standby:5432/flagmeter");
  EXPECT_EQ(set->store.max_read_lag_ms, 250);
  Result<Config> empty = LoadConfigFrom({{"DATABASE_READ_URL", ""}});
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->store.database_read_url, "");
}

TEST(ReadReplicaConfig, RefusesBadValuesNamingTheVariable) {
  Result<Config> url = LoadConfigFrom({{"DATABASE_READ_URL", "mysql://standby/flagmeter"}});
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("DATABASE_READ_URL"), std::string::npos) << url.status().ToString();
  for (const char* value : {"99", "3600001", "-1", "soon"}) {
    Result<Config> bad = LoadConfigFrom({{"MAX_READ_LAG_MS", value}});
    ASSERT_FALSE(bad.ok()) << "'" << value << "'";
    EXPECT_NE(bad.status().message().find("MAX_READ_LAG_MS"), std::string::npos) << bad.status().ToString();
  }
}

TEST(ReadReplicaConfig, HelpListsThemAfterDatabaseUrlWithDefaultsAndRanges) {
  EXPECT_NE(HelpEntry("DATABASE_READ_URL").find("default: (unset); allowed: postgres://"), std::string::npos)
      << HelpEntry("DATABASE_READ_URL");
  EXPECT_NE(HelpEntry("MAX_READ_LAG_MS").find("default: 5000; allowed: 100..3600000"), std::string::npos)
      << HelpEntry("MAX_READ_LAG_MS");
  const std::string help = ConfigHelp();
  EXPECT_LT(help.find("  DATABASE_URL "), help.find("  DATABASE_READ_URL "));
}

}  // namespace
}  // namespace flagmeter
