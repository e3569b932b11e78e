// RAW_EVENT_RETENTION_DAYS, RAW_EVENT_PARTITION_DAYS and LEDGER_MOVE_BATCH:
// the partitioned ledger of raw events (migrations/0010).
#include <gtest/gtest.h>

#include <string>

#include "config/config_env.hpp"
#include "flagmeter/config/config.hpp"

namespace flagmeter {
namespace {

TEST(RawEventRetentionConfig, FollowsTheIdempotencyWindowUnlessSet) {
  Result<Config> defaults = LoadConfigFrom({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->store.RawEventRetentionDays(), 62);
  EXPECT_EQ(defaults->store.raw_event_partition_days, 31);
  EXPECT_EQ(defaults->store.ledger_move_batch, 10000);
  Result<Config> wider = LoadConfigFrom({{"IDEMPOTENCY_WINDOW_DAYS", "90"}});
  ASSERT_TRUE(wider.ok());
  EXPECT_EQ(wider->store.RawEventRetentionDays(), 90);
  Result<Config> set = LoadConfigFrom({{"RAW_EVENT_RETENTION_DAYS", "400"}, {"RAW_EVENT_PARTITION_DAYS", "7"},
                                       {"LEDGER_MOVE_BATCH", "500"}});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->store.RawEventRetentionDays(), 400);
  EXPECT_EQ(set->store.raw_event_partition_days, 7);
  EXPECT_EQ(set->store.ledger_move_batch, 500);
}

// An id whose raw event is gone cannot be recognised: the retention may not
// end inside the window.
TEST(RawEventRetentionConfig, RefusesARetentionShorterThanTheWindowNamingBoth) {
  Result<Config> bad = LoadConfigFrom({{"RAW_EVENT_RETENTION_DAYS", "30"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("RAW_EVENT_RETENTION_DAYS='30'"), std::string::npos) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("IDEMPOTENCY_WINDOW_DAYS='62'"), std::string::npos) << bad.status().ToString();
  EXPECT_TRUE(LoadConfigFrom({{"RAW_EVENT_RETENTION_DAYS", "30"}, {"IDEMPOTENCY_WINDOW_DAYS", "30"}}).ok());
}

TEST(RawEventRetentionConfig, RefusesValuesOutOfRange) {
  for (const auto& [name, value] : {std::pair{"RAW_EVENT_RETENTION_DAYS", "0"}, {"RAW_EVENT_RETENTION_DAYS", "36601"},
                                    {"RAW_EVENT_PARTITION_DAYS", "0"}, {"RAW_EVENT_PARTITION_DAYS", "367"},
                                    {"LEDGER_MOVE_BATCH", "99"}, {"LEDGER_MOVE_BATCH", "1000001"}}) {
    Result<Config> bad = LoadConfigFrom({{name, value}});
    ASSERT_FALSE(bad.ok()) << name << "=" << value;
    EXPECT_NE(bad.status().message().find(name), std::string::npos) << bad.status().ToString();
  }
}

}  // namespace
}  // namespace flagmeter
