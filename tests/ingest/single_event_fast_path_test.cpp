#include "ingest/single_event_fast_path.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "flagmeter/ingest/event_parser.hpp"

namespace flagmeter {
namespace {

constexpr std::int64_t kNow = 1'796'000'000'000;  // 2026-11-30T00:53:20Z

ParseOptions Options(bool fast_path) { return ParseOptions{.now_ms = kNow, .fast_path = fast_path}; }

// What the full parser makes of `body`.
std::variant<ParsedEvents, std::vector<FieldError>> Full(std::string_view body) {
  return ParseEvents(body, Options(false));
}

TEST(SingleEventFastPath, ReadsTheCommonBodies) {
  std::optional<Event> event =
      ParseSingleEventFast(R"({"tenant":"acme-corp","feature":"gpt-4o","tokens":1200})", Options(true));
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->tenant, "acme-corp");
  EXPECT_EQ(event->feature, "gpt-4o");
  EXPECT_EQ(event->tokens, 1200);
  EXPECT_EQ(event->occurred_at_ms, kNow);
  EXPECT_EQ(event->received_at_ms, kNow);
  EXPECT_EQ(event->id.size(), 36u);  // a new UUIDv7

  event = ParseSingleEventFast(
      " {\n \"id\" : \"req-7\", \"tokens\" : 9007199254740991, \"feature\":\"f\xC3\xA9\", "
      "\"timestamp\":\"2026-11-29T08:00:00.250Z\", \"tenant\":\"t\" } \r\n",
      Options(true));
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->id, "req-7");
  EXPECT_EQ(event->tokens, 9'007'199'254'740'991);
  EXPECT_EQ(event->feature, "f\xC3\xA9");
  EXPECT_EQ(event->occurred_at_ms, 1'795'939'200'250);
}

// Every body the fast path takes gives the full parser's event; every other
// body (odd but valid, or invalid) is left to the full parser.
TEST(SingleEventFastPath, AgreesWithTheFullParserOrStepsAside) {
  const std::vector<std::string> bodies = {
      R"({"tenant":"a","feature":"b","tokens":1})",
      R"({"tenant":"a","feature":"b","tokens":1,"id":"x"})",
      R"({"tenant":"a","feature":"b","tokens":1,"timestamp":"2026-11-29T07:00:00Z"})",
      // valid, but for the full parser only
      R"({"tenant":"a","feature":"b","tokens":1,"extra":{"nested":[1,2]}})",
      R"({"tenant":"a\u0062","feature":"b","tokens":1})",
      R"({"tenant":"a","feature":"b","tokens":1,"tenant":"c"})",
      R"([{"tenant":"a","feature":"b","tokens":1}])",
      // invalid: errors come from the full parser
      R"({"tenant":"a","feature":"b","tokens":0})",
      R"({"tenant":"a","feature":"b","tokens":01})",
      R"({"tenant":"a","feature":"b","tokens":1.0})",
      R"({"tenant":"a","feature":"b","tokens":1e2})",
      R"({"tenant":"a","feature":"b","tokens":-1})",
      R"({"tenant":"a","feature":"b","tokens":9007199254740992})",
      R"({"tenant":"a","feature":"b","tokens":"1"})",
      R"({"tenant":"","feature":"b","tokens":1})",
      R"({"tenant":"a","feature":"b","tokens":1,"id":null})",
      R"({"tenant":"a","feature":"b","tokens":1,"id":""})",
      R"({"tenant":"a","feature":"b","tokens":1,"timestamp":"yesterday"})",
      R"({"tenant":"a","feature":"b","tokens":1,"timestamp":"2099-01-01T00:00:00Z"})",
      R"({"tenant":"a","feature":"b"})",
      R"({"tenant":"a","feature":"b","tokens":1,})",
      R"({"tenant":"a","feature":"b","tokens":1} x)",
      R"({"tenant":"a","feature":"b","tokens":1)",
      "{\"tenant\":\"a\xFF\",\"feature\":\"b\",\"tokens\":1}",
      "{\"tenant\":\"a\tb\",\"feature\":\"b\",\"tokens\":1}",
      R"({})",
      "",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    const std::optional<Event> fast = ParseSingleEventFast(body, Options(true));
    const auto full = Full(body);
    const auto* parsed = std::get_if<ParsedEvents>(&full);
    if (!fast) continue;
    ASSERT_NE(parsed, nullptr) << "the fast path accepted what the full parser refuses";
    ASSERT_EQ(parsed->events.size(), 1u);
    ASSERT_FALSE(parsed->is_batch);
    const Event& slow = parsed->events.front();
    EXPECT_EQ(fast->tenant, slow.tenant);
    EXPECT_EQ(fast->feature, slow.feature);
    EXPECT_EQ(fast->tokens, slow.tokens);
    EXPECT_EQ(fast->occurred_at_ms, slow.occurred_at_ms);
    EXPECT_EQ(fast->received_at_ms, slow.received_at_ms);
    if (body.find("\"id\"") != std::string::npos) {
      EXPECT_EQ(fast->id, slow.id);
    }
  }
  // The ones above the "valid, but for the full parser only" line are taken.
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(ParseSingleEventFast(bodies[i], Options(true))) << bodies[i];
  // None of the invalid ones is.
  for (std::size_t i = 7; i < bodies.size(); ++i) {
    EXPECT_FALSE(ParseSingleEventFast(bodies[i], Options(true))) << bodies[i];
  }
}

TEST(SingleEventFastPath, ParseEventsGivesTheSameErrorsEitherWay) {
  for (const char* body : {R"({"tenant":"a","feature":"b","tokens":0})", R"({"tenant":"","tokens":"x"})", "[1", "{}"}) {
    SCOPED_TRACE(body);
    const auto with = ParseEvents(body, Options(true));
    const auto without = ParseEvents(body, Options(false));
    ASSERT_TRUE(std::holds_alternative<std::vector<FieldError>>(with));
    EXPECT_EQ(std::get<std::vector<FieldError>>(with), std::get<std::vector<FieldError>>(without));
  }
}

TEST(SingleEventFastPath, ReadsABatchOfPlainEventsAsTheFullParserDoes) {
  const std::string body =
      R"([{"tenant":"acme","feature":"gpt-4o","tokens":1},)"
      "\n {\"id\":\"req-2\", \"tenant\":\"globex\",\"feature\":\"f\",\"tokens\":9007199254740991,"
      R"("timestamp":"2026-11-29T08:00:00Z"} ])";
  const std::optional<std::vector<Event>> fast = ParseBatchFast(body, Options(true));
  ASSERT_TRUE(fast.has_value());
  const auto full = Full(body);
  ASSERT_TRUE(std::holds_alternative<ParsedEvents>(full));
  const std::vector<Event>& expected = std::get<ParsedEvents>(full).events;
  ASSERT_EQ(fast->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*fast)[i].tenant, expected[i].tenant);
    EXPECT_EQ((*fast)[i].feature, expected[i].feature);
    EXPECT_EQ((*fast)[i].tokens, expected[i].tokens);
    EXPECT_EQ((*fast)[i].occurred_at_ms, expected[i].occurred_at_ms);
    EXPECT_EQ((*fast)[i].received_at_ms, expected[i].received_at_ms);
  }
  EXPECT_EQ((*fast)[0].id.size(), 36u);  // a new UUIDv7
  EXPECT_EQ((*fast)[1].id, "req-2");
  const auto parsed = ParseEvents(body, Options(true));
  ASSERT_TRUE(std::holds_alternative<ParsedEvents>(parsed));
  EXPECT_TRUE(std::get<ParsedEvents>(parsed).is_batch);
}

TEST(SingleEventFastPath, LeavesEveryOtherArrayToTheFullParser) {
  const std::string plain = R"({"tenant":"acme","feature":"gpt-4o","tokens":1})";
  for (const std::string& body :
       {std::string("[]"), "[" + plain + ",]", "[" + plain + "] x", "[" + plain + "," + plain, "[[" + plain + "]]",
        "[" + plain + ",{}]", "[" + plain + R"(,{"tenant":"acme","feature":"gpt-4o","tokens":0}])",
        "[" + plain + R"(,{"tenant":"acme","feature":"gpt-4o","tokens":1,"extra":true}])", "[" + plain + ",1]"}) {
    EXPECT_FALSE(ParseBatchFast(body, Options(true))) << body;
  }
  ParseOptions two = Options(true);
  two.max_batch_events = 2;
  EXPECT_TRUE(ParseBatchFast("[" + plain + "," + plain + "]", two));
  EXPECT_FALSE(ParseBatchFast("[" + plain + "," + plain + "," + plain + "]", two));  // the full parser words it
}

}  // namespace
}  // namespace flagmeter
