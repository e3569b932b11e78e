#include "flagmeter/alerts/threshold_alerts.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flagmeter/tenants/crypto.hpp"

namespace flagmeter {
namespace {

TEST(ThresholdAlerts, CrossingIsExactAtTheBoundary) {
  const std::vector<int> thresholds = {80, 100};
  EXPECT_EQ(CrossedThresholds(799, 1000, thresholds), std::vector<int>{});
  EXPECT_EQ(CrossedThresholds(800, 1000, thresholds), std::vector<int>{80});
  EXPECT_EQ(CrossedThresholds(999, 1000, thresholds), std::vector<int>{80});
  EXPECT_EQ(CrossedThresholds(1000, 1000, thresholds), (std::vector<int>{80, 100}));
  // 2/3 of a quota of 3 is 66.67%: 67 is not reached, 66 is.
  EXPECT_EQ(CrossedThresholds(2, 3, {66, 67}), std::vector<int>{66});
  EXPECT_EQ(CrossedThresholds(5000, 1000, {80, 100, 500, 1000}), (std::vector<int>{80, 100, 500}));
}

TEST(ThresholdAlerts, NoQuotaOrNoUsageNeverAlerts) {
  EXPECT_TRUE(CrossedThresholds(100, 0, {80}).empty());
  EXPECT_TRUE(CrossedThresholds(0, 1000, {1}).empty());
}

TEST(ThresholdAlerts, HugeTotalsDoNotOverflow) {
  const std::int64_t big = 9007199254740991;
  EXPECT_EQ(CrossedThresholds(big, big, {100, 1000}), std::vector<int>{100});
}

// Totals past 2^63 (and near 2^127, where total * 100 would not fit in 128
// bits) are compared and written exactly.
TEST(ThresholdAlerts, TotalsBeyond64BitsAreExact) {
  EXPECT_EQ(CrossedThresholds(kMaxTokenSum, 1, {100, 1000}), (std::vector<int>{100, 1000}));
  EXPECT_EQ(CrossedThresholds(kMaxTokenSum, INT64_MAX, {100}), std::vector<int>{100});
  TenantOverview tenant;
  tenant.tenant_name = "flood";
  tenant.monthly_quota = 1'000'000'000;
  tenant.total_tokens = static_cast<TokenSum>(9'007'199'254'740'991) * 1200;
  const std::string payload = AlertPayload(tenant, 100);
  EXPECT_NE(payload.find("10808639105689189200 of 1000000000 tokens (1080863910568%)"), std::string::npos) << payload;
}

TEST(ThresholdAlerts, PayloadIsSlackTextNamingTenantUsageAndPeriod) {
  TenantOverview tenant;
  tenant.tenant_name = "acme \"corp\"";
  tenant.monthly_quota = 1000;
  tenant.total_tokens = 856;
  tenant.period_start_ms = 1793491200000;  // 2026-11-01
  tenant.period_end_ms = 1796083200000;    // 2026-12-01
  const nlohmann::json body = nlohmann::json::parse(AlertPayload(tenant, 80));
  ASSERT_EQ(body.size(), 1u);
  const std::string text = body["text"];
  for (const char* part : {"acme \"corp\"", "80%", "856 of 1000 tokens", "(85%)", "2026-11-01 to 2026-12-01"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " in " << text;
  }
}

TEST(ThresholdAlerts, SignatureCoversTheTimeTheDeliveryIdAndTheBody) {
  // Python: hmac.new(b"Jefe", b"1700000000.tenant:1:80.what do ya want for nothing?", "sha256").hexdigest()
  EXPECT_EQ(WebhookSignature("Jefe", 1700000000, "tenant:1:80", "what do ya want for nothing?"),
            "t=1700000000,v1=8824b638704cbbf12e00b8280c8d27ad3c729b0a0d75a1fe2789bcf05c6950d4");
  const std::string base = WebhookSignature("Jefe", 1700000000, "tenant:1:80", "body");
  EXPECT_NE(WebhookSignature("Jefe", 1700000001, "tenant:1:80", "body").substr(13), base.substr(13));
  EXPECT_NE(WebhookSignature("Jefe", 1700000000, "tenant:1:100", "body"), base);
  EXPECT_NE(WebhookSignature("Jefe", 1700000000, "tenant:1:80", "body "), base);
}

}  // namespace
}  // namespace flagmeter
