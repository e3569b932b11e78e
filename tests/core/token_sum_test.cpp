#include "flagmeter/core/token_sum.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace flagmeter {
namespace {

constexpr std::int64_t kMaxEventTokens = 9'007'199'254'740'991;  // 2^53 - 1

TEST(TokenSum, WritesEveryDigitPast64Bits) {
  EXPECT_EQ(TokenSumText(0), "0");
  EXPECT_EQ(TokenSumText(-42), "-42");
  EXPECT_EQ(TokenSumText(INT64_MAX), "9223372036854775807");
  EXPECT_EQ(TokenSumText(static_cast<TokenSum>(INT64_MAX) + 1), "9223372036854775808");
  EXPECT_EQ(TokenSumText(static_cast<TokenSum>(UINT64_MAX) + 1), "18446744073709551616");
  // The flood that overflowed a bigint rollup: 1,200 events of 2^53 - 1.
  EXPECT_EQ(TokenSumText(static_cast<TokenSum>(kMaxEventTokens) * 1200), "10808639105689189200");
  EXPECT_EQ(TokenSumText(kMaxTokenSum), "170141183460469231731687303715884105727");  // 2^127 - 1
  EXPECT_EQ(TokenSumText(-kMaxTokenSum - 1), "-170141183460469231731687303715884105728");
  std::string out = "x";
  AppendTokenSum(12, out);
  EXPECT_EQ(out, "x12");
}

TEST(TokenSum, ParsesPostgresIntegersUpTo2To127) {
  EXPECT_EQ(ParseTokenSum("0"), std::optional<TokenSum>(0));
  EXPECT_EQ(ParseTokenSum("-7"), std::optional<TokenSum>(-7));
  EXPECT_EQ(ParseTokenSum("10808639105689189200"), std::optional<TokenSum>(static_cast<TokenSum>(kMaxEventTokens) * 1200));
  EXPECT_EQ(ParseTokenSum("170141183460469231731687303715884105727"), std::optional<TokenSum>(kMaxTokenSum));
  EXPECT_EQ(ParseTokenSum("170141183460469231731687303715884105728"), std::nullopt);  // 2^127
  EXPECT_EQ(ParseTokenSum("99999999999999999999999999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseTokenSum(""), std::nullopt);
  EXPECT_EQ(ParseTokenSum("-"), std::nullopt);
  EXPECT_EQ(ParseTokenSum("12.0"), std::nullopt);
  EXPECT_EQ(ParseTokenSum("1e3"), std::nullopt);
  EXPECT_EQ(ParseTokenSum(" 1"), std::nullopt);
}

TEST(TokenSum, QuotaPercentRoundsHalvesAwayFromZero) {
  EXPECT_EQ(QuotaPercentText(0, 1000), "0");
  EXPECT_EQ(QuotaPercentText(4, 1000), "0");  // 0.4 %
  EXPECT_EQ(QuotaPercentText(5, 1000), "1");  // 0.5 %
  EXPECT_EQ(QuotaPercentText(14, 1000), "1");
  EXPECT_EQ(QuotaPercentText(15, 1000), "2");
  EXPECT_EQ(QuotaPercentText(800, 1000), "80");
  EXPECT_EQ(QuotaPercentText(2500, 1000), "250");  // over quota
  EXPECT_EQ(QuotaPercentText(1005, 1000), "101");  // 100.5 %
  EXPECT_EQ(QuotaPercentText(9995, 10000), "100");  // 99.95 %: the hundredths carry
  EXPECT_EQ(QuotaPercentText(123, 0), "0");
  EXPECT_EQ(QuotaPercentText(INT64_MAX / 2, INT64_MAX), "50");
}

TEST(TokenSum, QuotaPercentIsExactBeyond128Bits) {
  // 1,200 events of 2^53 - 1 against the default quota of 10^9.
  EXPECT_EQ(QuotaPercentText(static_cast<TokenSum>(kMaxEventTokens) * 1200, 1'000'000'000), "1080863910569");
  // 100 * (2^127 - 1) has 41 digits: more than any 128-bit integer.
  EXPECT_EQ(QuotaPercentText(kMaxTokenSum, 1), "17014118346046923173168730371588410572700");
  EXPECT_EQ(QuotaPercentText(kMaxTokenSum, INT64_MAX), "1844674407370955161800");
}

TEST(TokenSum, PercentFloorRoundsDown) {
  EXPECT_EQ(PercentFloorText(799, 1000), "79");
  EXPECT_EQ(PercentFloorText(800, 1000), "80");
  EXPECT_EQ(PercentFloorText(5, 1000), "0");
  EXPECT_EQ(PercentFloorText(2500, 1000), "250");
  EXPECT_EQ(PercentFloorText(kMaxTokenSum, 1), "17014118346046923173168730371588410572700");
  EXPECT_EQ(PercentFloorText(100, 0), "0");
}

}  // namespace
}  // namespace flagmeter
