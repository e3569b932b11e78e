#include "flagmeter/core/rfc3339.hpp"

#include <gtest/gtest.h>

#include "flagmeter/core/civil_time.hpp"

namespace flagmeter {
namespace {

std::int64_t Ms(std::int64_t y, int mo, int d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  return DaysFromCivil({y, mo, d}) * kMillisPerDay + h * 3'600'000LL + mi * 60'000LL + s * 1'000LL + ms;
}

TEST(Rfc3339, ParsesUtcWithZ) {
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00Z"), Ms(2026, 11, 29, 12));
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:34:56z"), Ms(2026, 11, 29, 12, 34, 56));
}

TEST(Rfc3339, AcceptsLowerCaseTAndSpaceAsSeparator) {
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29t12:00:00Z"), Ms(2026, 11, 29, 12));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29 12:00:00Z"), Ms(2026, 11, 29, 12));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29X12:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29_12:00:00Z"), std::nullopt);
}

TEST(Rfc3339, AppliesOffsetsToGetUtc) {
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T14:00:00+02:00"), Ms(2026, 11, 29, 12));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T07:30:00-04:30"), Ms(2026, 11, 29, 12));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00+00:00"), Ms(2026, 11, 29, 12));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00-00:00"), Ms(2026, 11, 29, 12));
  // Offsets move the instant across day, month and year boundaries.
  EXPECT_EQ(ParseRfc3339Ms("2027-01-01T01:00:00+02:00"), Ms(2026, 12, 31, 23));
  EXPECT_EQ(ParseRfc3339Ms("2026-12-31T23:00:00-23:59"), Ms(2027, 1, 1, 22, 59));
  EXPECT_EQ(ParseRfc3339Ms("2026-01-01T00:00:00+23:59"), Ms(2025, 12, 31, 0, 1));
}

TEST(Rfc3339, RejectsOffsetsOutOfRangeOrMalformed) {
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00+24:00"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00+12:60"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00+0200"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00+02"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00+02:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00"), std::nullopt);  // no zone
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00UTC"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00ZZ"), std::nullopt);
}

TEST(Rfc3339, TruncatesFractionsToMilliseconds) {
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00.5Z"), Ms(2026, 11, 29, 12, 0, 0, 500));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00.25Z"), Ms(2026, 11, 29, 12, 0, 0, 250));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00.123Z"), Ms(2026, 11, 29, 12, 0, 0, 123));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00.123999999999Z"), Ms(2026, 11, 29, 12, 0, 0, 123));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00.000Z"), Ms(2026, 11, 29, 12));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T14:00:00.999+02:00"), Ms(2026, 11, 29, 12, 0, 0, 999));
}

TEST(Rfc3339, RejectsEmptyOrMalformedFractions) {
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00.Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00,5Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00.12a4Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:00.1234"), std::nullopt);
}

TEST(Rfc3339, ValidatesTheCalendar) {
  EXPECT_EQ(ParseRfc3339Ms("2024-02-29T00:00:00Z"), Ms(2024, 2, 29));  // leap year
  EXPECT_EQ(ParseRfc3339Ms("2000-02-29T00:00:00Z"), Ms(2000, 2, 29));  // divisible by 400
  EXPECT_EQ(ParseRfc3339Ms("2026-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("1900-02-29T00:00:00Z"), std::nullopt);  // divisible by 100
  EXPECT_EQ(ParseRfc3339Ms("2024-02-30T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-04-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-12-31T00:00:00Z"), Ms(2026, 12, 31));
  EXPECT_EQ(ParseRfc3339Ms("2026-12-32T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-13-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-00-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-01-00T00:00:00Z"), std::nullopt);
}

TEST(Rfc3339, ValidatesTheClock) {
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T23:59:59Z"), Ms(2026, 11, 29, 23, 59, 59));
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T24:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:60:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-29T12:00:61Z"), std::nullopt);
}

TEST(Rfc3339, CountsALeapSecondAsTheLastMillisecondOfItsMinute) {
  EXPECT_EQ(ParseRfc3339Ms("2016-12-31T23:59:60Z"), Ms(2016, 12, 31, 23, 59, 59, 999));
  EXPECT_EQ(ParseRfc3339Ms("2016-12-31T23:59:60.5Z"), Ms(2016, 12, 31, 23, 59, 59, 999));
  EXPECT_EQ(ParseRfc3339Ms("2017-01-01T01:59:60+02:00"), Ms(2016, 12, 31, 23, 59, 59, 999));
}

TEST(Rfc3339, CoversYearsZeroToNineThousandNineHundredNinetyNine) {
  EXPECT_EQ(ParseRfc3339Ms("0000-01-01T00:00:00Z"), Ms(0, 1, 1));
  EXPECT_EQ(ParseRfc3339Ms("9999-12-31T23:59:59.999Z"), Ms(9999, 12, 31, 23, 59, 59, 999));
  EXPECT_EQ(ParseRfc3339Ms("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(ParseRfc3339Ms("0000-01-01T00:00:00Z"), -62'167'219'200'000);
}

TEST(Rfc3339, RejectsWrongShapes) {
  for (const char* text : {"", "2026", "2026-11-29", "2026-11-29T12:00Z", "26-11-29T12:00:00Z",
                           "2026-1-29T12:00:00Z", "2026/11/29T12:00:00Z", "2026-11-29T12-00-00Z",
                           " 2026-11-29T12:00:00Z", "2026-11-29T12:00:00Z ", "+2026-11-29T12:00:00Z",
                           "2026-11-29T1a:00:00Z", "2026-11-29T12:00:00\nZ", "yesterday", "1732881600000"}) {
    EXPECT_EQ(ParseRfc3339Ms(text), std::nullopt) << text;
  }
}

TEST(Rfc3339, FormatsWholeSecondsWithoutFraction) {
  EXPECT_EQ(FormatRfc3339(Ms(2026, 11, 1)), "2026-11-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(Ms(2026, 12, 31, 23, 59, 59)), "2026-12-31T23:59:59Z");
}

TEST(Rfc3339, FormatsMillisecondsWithThreeDigits) {
  EXPECT_EQ(FormatRfc3339(Ms(2026, 11, 29, 12, 0, 0, 5)), "2026-11-29T12:00:00.005Z");
  EXPECT_EQ(FormatRfc3339(Ms(2026, 11, 29, 12, 0, 0, 250)), "2026-11-29T12:00:00.250Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(-1000), "1969-12-31T23:59:59Z");
}

TEST(Rfc3339, FormatsTheEdgesOfTheYearRange) {
  EXPECT_EQ(FormatRfc3339(Ms(0, 1, 1)), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(Ms(9999, 12, 31, 23, 59, 59, 999)), "9999-12-31T23:59:59.999Z");
}

TEST(Rfc3339, AppendsWhatItFormats) {
  for (const std::int64_t ms : {Ms(2026, 11, 1), Ms(2026, 11, 29, 12, 0, 0, 250), std::int64_t{-1}}) {
    std::string out = "at ";
    AppendRfc3339(ms, out);
    EXPECT_EQ(out, "at " + FormatRfc3339(ms));
  }
}

TEST(Rfc3339, FormatThenParseRoundTrips) {
  for (const std::int64_t ms : {Ms(2024, 2, 29, 13, 14, 15, 16), Ms(1900, 3, 1), Ms(1969, 7, 20, 20, 17, 40),
                                std::int64_t{-1}, std::int64_t{1}, Ms(2026, 11, 29, 23, 59, 59, 999)}) {
    EXPECT_EQ(ParseRfc3339Ms(FormatRfc3339(ms)), ms) << FormatRfc3339(ms);
  }
}

}  // namespace
}  // namespace flagmeter
