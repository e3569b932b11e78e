#include "flagmeter/core/json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <random>
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

// The escaping a byte at a time, as the reference for the word-at-a-time scan.
std::string QuotedByteByByte(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

TEST(JsonText, EveryByteAtEveryPlaceOfAWordIsEscapedAsByItself) {
  // 19 bytes: two whole words and a tail, so each byte value is met at every
  // offset of a word and in the tail.
  for (int value = 0; value < 256; ++value) {
    for (std::size_t at = 0; at < 19; ++at) {
      std::string text(19, 'a');
      text[at] = static_cast<char>(value);
      ASSERT_EQ(Quoted(text), QuotedByteByByte(text)) << "byte " << value << " at " << at;
    }
  }
}

TEST(JsonText, MixedTextMatchesTheByteByByteEscaping) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 64);
  for (int round = 0; round < 2000; ++round) {
    std::string text(length(random), '\0');
    for (char& c : text) c = static_cast<char>(byte(random));
    ASSERT_EQ(Quoted(text), QuotedByteByByte(text));
  }
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
