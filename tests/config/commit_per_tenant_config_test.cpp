// COMMIT_PER_TENANT: one commit statement per tenant of a batch, each fixed
// to its tenant_id (the ledger on Citus, docs/scaling.md).
#include <gtest/gtest.h>

#include <string>

#include "config/config_env.hpp"
#include "flagmeter/config/config.hpp"

namespace flagmeter {
namespace {

TEST(CommitPerTenantConfig, IsOffUnlessSet) {
  Result<Config> defaults = LoadConfigFrom({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->store.commit_per_tenant);
  for (const char* on : {"true", "1"}) {
    Result<Config> set = LoadConfigFrom({{"COMMIT_PER_TENANT", on}});
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    EXPECT_TRUE(set->store.commit_per_tenant) << on;
  }
  for (const char* off : {"false", "0", ""}) {
    Result<Config> set = LoadConfigFrom({{"COMMIT_PER_TENANT", off}});
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    EXPECT_FALSE(set->store.commit_per_tenant) << "'" << off << "'";
  }
}

TEST(CommitPerTenantConfig, RefusesOtherValuesNamingTheVariable) {
  Result<Config> bad = LoadConfigFrom({{"COMMIT_PER_TENANT", "yes"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("COMMIT_PER_TENANT"), std::string::npos) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("true or false"), std::string::npos) << bad.status().ToString();
}

TEST(CommitPerTenantConfig, IsListedInTheHelpWithItsDefaultAndValues) {
  const std::string help = ConfigHelp();
  const std::size_t at = help.find("  COMMIT_PER_TENANT ");
  ASSERT_NE(at, std::string::npos) << help;
  const std::string entry = help.substr(at, help.find("\n  ", help.find('\n', at) + 1) - at);
  EXPECT_NE(entry.find("default: false; allowed: true, false, 1, 0; empty: false"), std::string::npos) << entry;
}

}  // namespace
}  // namespace flagmeter
