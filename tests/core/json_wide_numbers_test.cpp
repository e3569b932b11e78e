#include "flagmeter/core/json_wide_numbers.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "flagmeter/core/token_sum.hpp"

namespace flagmeter {
namespace {

TEST(UnquoteNumbers, TurnsDigitStringsOfTheNamedMembersIntoNumbers) {
  const TokenSum big = static_cast<TokenSum>(UINT64_MAX) * 1000;  // beyond what nlohmann holds
  const nlohmann::ordered_json body = {
      {"tenantName", "12"},
      {"totalTokens", TokenSumText(big)},
      {"features", {{{"feature", "x"}, {"tokens", "-5"}}}},
      {"minuteTokens", {"0", TokenSumText(big), "7"}},
  };
  EXPECT_EQ(UnquoteNumbers(body.dump(), {"totalTokens", "tokens", "minuteTokens"}),
            R"({"tenantName":"12","totalTokens":18446744073709551615000,)"
            R"("features":[{"feature":"x","tokens":-5}],"minuteTokens":[0,18446744073709551615000,7]})");
}

TEST(UnquoteNumbers, LeavesEverythingElseAlone) {
  // Other members, strings that only look like the pattern, values that are
  // not digit strings, and an already bare number.
  const nlohmann::ordered_json body = {
      {"feature", "\"tokens\":\"1\""},
      {"tokens", "12a"},
      {"totalTokens", 5},
      {"minuteTokens", {"1", "x"}},
      {"quotaPercent", ""},
  };
  const std::string dumped = body.dump();
  EXPECT_EQ(UnquoteNumbers(dumped, {"tokens", "totalTokens", "quotaPercent"}), dumped);
  EXPECT_EQ(UnquoteNumbers(dumped, {"minuteTokens"}),
            R"({"feature":"\"tokens\":\"1\"","tokens":"12a","totalTokens":5,"minuteTokens":[1,"x"],"quotaPercent":""})");
}

TEST(UnquoteNumbers, TheResultParsesToTheExactValues) {
  const nlohmann::json body = {{"tokens", {"18446744073709551615", "1"}}};
  const nlohmann::json parsed = nlohmann::json::parse(UnquoteNumbers(body.dump(), {"tokens"}));
  EXPECT_EQ(parsed["tokens"][0].get<std::uint64_t>(), UINT64_MAX);
  EXPECT_EQ(parsed["tokens"][1], 1);
}

}  // namespace
}  // namespace flagmeter
