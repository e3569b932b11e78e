#include "flagmeter/core/json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace flagmeter {
namespace {

std::string Quoted(std::string_view text) {
  std::string out = "x";
  AppendJsonString(text, out);
  return out.substr(1);
}

TEST(JsonText, PlainTextIsQuoted) { EXPECT_EQ(Quoted("acme-corp"), "\"acme-corp\""); }

TEST(JsonText, QuotesAndBackslashesAreEscaped) { EXPECT_EQ(Quoted("a\"b\\c"), R"("a\"b\\c")"); }

TEST(JsonText, ControlCharactersBecomeUnicodeEscapes) {
  EXPECT_EQ(Quoted(std::string("a\nb\x01", 4)), R"("a\u000ab\u0001")");
  EXPECT_EQ(Quoted(std::string("\0", 1)), R"("\u0000")");
}

TEST(JsonText, Utf8PassesThroughAndParsesBack) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \"q\" \\ \t end";
  EXPECT_EQ(nlohmann::json::parse(Quoted(text)).get<std::string>(), text);
}

TEST(JsonText, IntegersAreDecimal) {
  std::string out;
  AppendJsonInteger(0, out);
  out += ',';
  AppendJsonInteger(-42, out);
  out += ',';
  AppendJsonInteger(std::numeric_limits<std::int64_t>::max(), out);
  EXPECT_EQ(out, "0,-42,9223372036854775807");
}

}  // namespace
}  // namespace flagmeter
