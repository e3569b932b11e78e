#include "flagmeter/ingest/name_rules.hpp"

#include <gtest/gtest.h>

#include <string>

namespace flagmeter {
namespace {

using namespace std::string_literals;

TEST(NameRules, AcceptsOrdinaryNames) {
  EXPECT_EQ(NameProblem("acme-corp"), std::nullopt);
  EXPECT_EQ(NameProblem("gpt-4o"), std::nullopt);
  EXPECT_EQ(NameProblem("a"), std::nullopt);
  EXPECT_EQ(NameProblem("with space/and%2Fslash+plus"), std::nullopt);
  EXPECT_EQ(NameProblem("Zürich \u6771\u4eac \U0001F680"), std::nullopt);
}

TEST(NameRules, CountsBytesNotCharacters) {
  EXPECT_EQ(NameProblem(std::string(128, 'x')), std::nullopt);
  EXPECT_EQ(NameProblem(std::string(129, 'x')), "must be 1 to 128 bytes of UTF-8 (it has 129)");
  std::string two_byte;
  for (int i = 0; i < 64; ++i) two_byte += "\u00e9";  // 128 bytes, 64 characters
  EXPECT_EQ(NameProblem(two_byte), std::nullopt);
  std::string three_byte;
  for (int i = 0; i < 43; ++i) three_byte += "\u20ac";  // 129 bytes, 43 characters
  EXPECT_EQ(NameProblem(three_byte), "must be 1 to 128 bytes of UTF-8 (it has 129)");
}

TEST(NameRules, RejectsEmpty) { EXPECT_EQ(NameProblem(""), "must be 1 to 128 bytes of UTF-8 (it has 0)"); }

TEST(NameRules, RejectsControlCharacters) {
  for (const std::string& value : {"a\0b"s, "tab\there"s, "line\n"s, "\x1f"s, "del\x7f"s, "\r"s}) {
    EXPECT_EQ(NameProblem(value), "must not contain control characters") << value;
  }
  // U+0080..U+009F are not in the rule's range.
  EXPECT_EQ(NameProblem("\u0085"), std::nullopt);
}

TEST(NameRules, RejectsIllFormedUtf8) {
  for (const std::string& value : {"\xff"s,              // never valid
                                   "ab\xc3"s,            // truncated 2-byte sequence
                                   "\xc3("s,             // bad continuation
                                   "\xc0\xaf"s,          // overlong '/'
                                   "\xe0\x80\xaf"s,      // overlong 3-byte
                                   "\xed\xa0\x80"s,      // surrogate U+D800
                                   "\xf4\x90\x80\x80"s,  // above U+10FFFF
                                   "\xf0\x8f\xbf\xbf"s,  // overlong 4-byte
                                   "\x80"s,              // stray continuation
                                   "\xe2\x82"s}) {       // truncated 3-byte sequence
    EXPECT_EQ(NameProblem(value), "must be valid UTF-8");
  }
}

TEST(NameRules, AcceptsTheEdgesOfUnicode) {
  EXPECT_EQ(NameProblem("\xc2\x80"), std::nullopt);          // U+0080
  EXPECT_EQ(NameProblem("\xed\x9f\xbf"), std::nullopt);      // U+D7FF
  EXPECT_EQ(NameProblem("\xee\x80\x80"), std::nullopt);      // U+E000
  EXPECT_EQ(NameProblem("\xf4\x8f\xbf\xbf"), std::nullopt);  // U+10FFFF
}

TEST(NameRules, FindsTheFirstInvalidUtf8Offset) {
  EXPECT_EQ(FirstInvalidUtf8(""), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("ok \u00e9"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("ab\u00e9\xff"), 4u);
  EXPECT_EQ(FirstInvalidUtf8("\xe2\x82x"), 0u);
}

}  // namespace
}  // namespace flagmeter
