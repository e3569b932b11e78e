#include "flagmeter/alerts/alert_sender.hpp"

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

TEST(AlertRetryDelay, DoublesFromTheBackoffUpToTheCap) {
  AlertsConfig config;
  config.webhook_backoff_ms = 1000;
  config.webhook_max_backoff_ms = 10000;
  EXPECT_EQ(RetryDelayMs(config, 1), 1000);
  EXPECT_EQ(RetryDelayMs(config, 2), 2000);
  EXPECT_EQ(RetryDelayMs(config, 4), 8000);
  EXPECT_EQ(RetryDelayMs(config, 5), 10000);
  EXPECT_EQ(RetryDelayMs(config, 100), 10000);  // no overflow however many tries
  config.webhook_backoff_ms = 0;
  EXPECT_EQ(RetryDelayMs(config, 3), 0);
  config.webhook_backoff_ms = 60000;
  config.webhook_max_backoff_ms = 1000;
  EXPECT_EQ(RetryDelayMs(config, 1), 1000);
}

}  // namespace
}  // namespace flagmeter
