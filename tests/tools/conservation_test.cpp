#include "load/conservation.hpp"

#include <gtest/gtest.h>

namespace flagmeter::load {
namespace {

TEST(Conservation, BalancesEachTenantAndTreatsMissingAsZero) {
  const auto balances = Balance({"a", "b"}, {{"a", 100}}, {{"a", 150}, {"b", 30}}, {{"a", 50}, {"b", 30}});
  ASSERT_EQ(balances.size(), 2u);
  EXPECT_EQ(balances[0].Increase(), 50);
  EXPECT_TRUE(balances[0].Exact());
  EXPECT_EQ(balances[1].before, 0);
  EXPECT_TRUE(AllExact(balances));
}

TEST(Conservation, AnyDifferenceFails) {
  ConservationResult result;
  result.checked = true;
  result.tenants = Balance({"a", "b"}, {}, {{"a", 10}, {"b", 19}}, {{"a", 10}, {"b", 20}});
  EXPECT_FALSE(result.Passed());
  const std::string text = FormatConservation(result);
  EXPECT_NE(text.find("MISMATCH"), std::string::npos);
  EXPECT_NE(text.find("✗ FAIL"), std::string::npos);
  result.tenants[1].after = 20;
  EXPECT_TRUE(result.Passed());
  EXPECT_NE(FormatConservation(result).find("✓ PASS"), std::string::npos);
}

TEST(Conservation, UnreadableUsageOrSkippedIsNotAPass) {
  ConservationResult result;
  EXPECT_FALSE(result.Passed());
  EXPECT_NE(FormatConservation(result).find("skipped"), std::string::npos);
  result.checked = true;
  result.tenants = Balance({"a"}, {}, {}, {});
  result.error = "Unavailable: connect: Connection refused";
  EXPECT_FALSE(result.Passed());
  EXPECT_EQ(ConservationJson(result)["passed"], false);
}

TEST(Conservation, ParsesUnlabelledGauges) {
  const std::string text =
      "# HELP flagmeter_queue_depth Events waiting\n"
      "# TYPE flagmeter_queue_depth gauge\n"
      "flagmeter_queue_depth_extra 9\n"
      "flagmeter_queue_depth 12\n"
      "flagmeter_queue_inflight 0.000000\n"
      "flagmeter_http_requests_total{method=\"GET\"} 4\n";
  EXPECT_EQ(ParseGauge(text, "flagmeter_queue_depth"), 12.0);
  EXPECT_EQ(ParseGauge(text, "flagmeter_queue_inflight"), 0.0);
  EXPECT_EQ(ParseGauge(text, "flagmeter_http_requests_total"), std::nullopt);
  EXPECT_EQ(ParseGauge(text, "flagmeter_missing"), std::nullopt);
}

}  // namespace
}  // namespace flagmeter::load
