#include "flagmeter/queue/event_codec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "queue/expect_same_event.hpp"

namespace flagmeter {
namespace {

using ::testing::HasSubstr;

Event SampleEvent() {
  return Event{"01939a2b-7c00-7abc-8def-0123456789ab",
               "acme-corp",
               "gpt-4o",
               1500,
               1'795'000'000'000,
               1'795'000'000'250};
}

void ExpectRejected(std::string_view encoded, const std::string& fragment) {
  const Result<Event> decoded = DecodeEvent(encoded);
  ASSERT_FALSE(decoded.ok()) << encoded;
  EXPECT_EQ(decoded.status().code(), Status::Code::kInvalidArgument) << encoded;
  EXPECT_THAT(decoded.status().message(), HasSubstr(fragment)) << encoded;
}

TEST(EventCodec, EncodesCompactJsonWithShortKeys) {
  EXPECT_EQ(EncodeEvent(SampleEvent()),
            R"({"i":"01939a2b-7c00-7abc-8def-0123456789ab","t":"acme-corp","f":"gpt-4o",)"
            R"("n":1500,"o":1795000000000,"r":1795000000250})");
}

TEST(EventCodec, RoundTrips) {
  const Result<Event> decoded = DecodeEvent(EncodeEvent(SampleEvent()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEvent(*decoded, SampleEvent());
}

TEST(EventCodec, EscapesQuotesBackslashesAndControlCharacters) {
  Event event = SampleEvent();
  event.tenant = "say \"hi\" \\ back\\slash";
  event.feature = std::string("nul\0tab\tnl\ndel\x7f", 15);
  event.id = "\x1f";
  const std::string encoded = EncodeEvent(event);
  EXPECT_THAT(encoded, HasSubstr(R"("t":"say \"hi\" \\ back\\slash")"));
  EXPECT_THAT(encoded, HasSubstr(R"("f":"nul\u0000tab\u0009nl\u000adel)"));
  EXPECT_THAT(encoded, HasSubstr(R"("i":"\u001f")"));
  // Whatever nlohmann reads back is the same event.
  const nlohmann::json json = nlohmann::json::parse(encoded);
  EXPECT_EQ(json.at("t").get<std::string>(), event.tenant);
  EXPECT_EQ(json.at("f").get<std::string>(), event.feature);
  const Result<Event> decoded = DecodeEvent(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEvent(*decoded, event);
}

TEST(EventCodec, CopiesMultiByteUtf8Unchanged) {
  Event event = SampleEvent();
  event.tenant = "Z\u00fcrich \u6771\u4eac";
  event.feature = "\U0001F680 \u2028 \u20ac";
  const std::string encoded = EncodeEvent(event);
  EXPECT_THAT(encoded, HasSubstr(event.tenant));
  const Result<Event> decoded = DecodeEvent(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEvent(*decoded, event);
}

TEST(EventCodec, RoundTripsTheExtremesOfEachNumber) {
  Event event = SampleEvent();
  event.tokens = 9'007'199'254'740'991;
  event.occurred_at_ms = -62'167'219'200'000;  // 0000-01-01
  event.received_at_ms = 0;
  const Result<Event> decoded = DecodeEvent(EncodeEvent(event));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEvent(*decoded, event);
}

TEST(EventCodec, IgnoresUnknownFieldsAndKeyOrder) {
  const Result<Event> decoded =
      DecodeEvent(R"({"r":2,"o":1,"n":3,"f":"f","t":"t","i":"i","v":2,"extra":{"a":[1]}})");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEvent(*decoded, Event{"i", "t", "f", 3, 1, 2});
}

TEST(EventCodec, RejectsTextThatIsNotAJsonObject) {
  ExpectRejected("", "not valid JSON");
  ExpectRejected("{\"i\":", "not valid JSON");
  ExpectRejected("\xff", "not valid JSON");
  ExpectRejected("[1,2]", "not a JSON object");
  ExpectRejected("\"event\"", "not a JSON object");
}

TEST(EventCodec, NamesEachMissingField) {
  const std::string full = EncodeEvent(SampleEvent());
  for (const char* key : {"i", "t", "f", "n", "o", "r"}) {
    nlohmann::json json = nlohmann::json::parse(full);
    json.erase(key);
    ExpectRejected(json.dump(), std::string("field \"") + key + "\"");
    ExpectRejected(json.dump(), "is missing");
  }
}

TEST(EventCodec, NamesEachFieldOfTheWrongType) {
  const std::string full = EncodeEvent(SampleEvent());
  const std::pair<const char*, nlohmann::json> cases[] = {{"i", 5},
                                                          {"t", nullptr},
                                                          {"f", ""},
                                                          {"n", "1"},
                                                          {"n", 1.5},
                                                          {"n", 0},
                                                          {"n", -3},
                                                          {"o", true},
                                                          {"o", 1.0},
                                                          {"r", "x"},
                                                          {"n", 9'007'199'254'740'992ULL},
                                                          {"r", 18'446'744'073'709'551'615ULL}};
  for (const auto& [key, value] : cases) {
    nlohmann::json json = nlohmann::json::parse(full);
    json[key] = value;
    ExpectRejected(json.dump(), std::string("field \"") + key + "\"");
  }
}

TEST(EventCodec, TenantOfEncodedEventReadsTheTenantAlone) {
  Event event = SampleEvent();
  EXPECT_EQ(TenantOfEncodedEvent(EncodeEvent(event)), "acme-corp");
  event.id = "with \"quotes\" and \\ backslash";
  EXPECT_EQ(TenantOfEncodedEvent(EncodeEvent(event)), "acme-corp");
  event.tenant = "t\"q\\x";  // escaped: read by the full decoder
  EXPECT_EQ(TenantOfEncodedEvent(EncodeEvent(event)), "t\"q\\x");
  EXPECT_EQ(TenantOfEncodedEvent(R"({"s":7,"t":"late","i":"x","f":"f","n":1,"o":1,"r":1})"), "late");
  EXPECT_EQ(TenantOfEncodedEvent("not json"), "");
  EXPECT_EQ(TenantOfEncodedEvent(R"({"i":"x","t":"unterminated)"), "");
}

}  // namespace
}  // namespace flagmeter
