#include "flagmeter/ingest/event_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "flagmeter/core/rfc3339.hpp"

namespace flagmeter {

// Lets gtest show which error differed.
void PrintTo(const FieldError& error, std::ostream* os) {
  *os << "{\"" << error.path << "\": " << error.message << "}";
}

namespace {

constexpr std::int64_t kNowMs = 1'795'000'000'000;  // a whole second in 2026-11
constexpr char kTokensRule[] = "tokens must be an integer from 1 to 9007199254740991";
constexpr char kTimestampRule[] = "timestamp must be an RFC 3339 date-time such as 2026-11-29T12:00:00Z";

class EventParserTest : public ::testing::Test {
 protected:
  ParsedEvents Accept(std::string_view body) {
    auto result = ParseEvents(body, options_);
    if (auto* errors = std::get_if<std::vector<FieldError>>(&result)) {
      ADD_FAILURE() << "rejected " << body << ": " << ::testing::PrintToString(*errors);
      return {};
    }
    return std::get<ParsedEvents>(std::move(result));
  }

  std::vector<FieldError> Reject(std::string_view body) {
    auto result = ParseEvents(body, options_);
    if (std::holds_alternative<ParsedEvents>(result)) {
      ADD_FAILURE() << "accepted " << body;
      return {};
    }
    return std::get<std::vector<FieldError>>(std::move(result));
  }

  // The single error of a body with one problem.
  FieldError RejectOnce(std::string_view body) {
    std::vector<FieldError> errors = Reject(body);
    EXPECT_EQ(errors.size(), 1u) << body << ": " << ::testing::PrintToString(errors);
    return errors.empty() ? FieldError{} : errors.front();
  }

  static std::string WithTokens(const std::string& tokens) {
    return R"({"tenant":"acme","feature":"gpt","tokens":)" + tokens + "}";
  }

  static std::string WithTimestamp(const std::string& timestamp) {
    return R"({"tenant":"acme","feature":"gpt","tokens":5,"timestamp":)" + timestamp + "}";
  }

  static std::string Batch(int count, const std::string& event) {
    std::string body = "[";
    for (int i = 0; i < count; ++i) body += (i == 0 ? "" : ",") + event;
    return body + "]";
  }

  ParseOptions options_{kNowMs};
};

TEST_F(EventParserTest, AcceptsOneEventAndFillsItIn) {
  const ParsedEvents parsed = Accept(R"({"tenant":"acme-corp","feature":"gpt-4o","tokens":1500})");
  EXPECT_FALSE(parsed.is_batch);
  ASSERT_EQ(parsed.events.size(), 1u);
  const Event& event = parsed.events[0];
  EXPECT_EQ(event.tenant, "acme-corp");
  EXPECT_EQ(event.feature, "gpt-4o");
  EXPECT_EQ(event.tokens, 1500);
  EXPECT_EQ(event.received_at_ms, kNowMs);
  EXPECT_EQ(event.occurred_at_ms, kNowMs);
  ASSERT_EQ(event.id.size(), 36u);
  EXPECT_EQ(event.id[14], '7') << event.id;
}

TEST_F(EventParserTest, KeepsTheClientsIdAndTimestamp) {
  const ParsedEvents parsed = Accept(
      R"({"tenant":"acme","feature":"gpt","tokens":1,"id":"req-42","timestamp":"2026-11-01T02:00:00.5+02:00"})");
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].id, "req-42");
  EXPECT_EQ(parsed.events[0].occurred_at_ms, *ParseRfc3339Ms("2026-11-01T00:00:00.500Z"));
  EXPECT_EQ(parsed.events[0].received_at_ms, kNowMs);
}

TEST_F(EventParserTest, IgnoresUnknownFields) {
  const ParsedEvents parsed =
      Accept(R"({"tenant":"acme","feature":"gpt","tokens":3,"model":{"deep":[1,2,{"x":null}]},"note":"hi"})");
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].tokens, 3);
}

TEST_F(EventParserTest, DecodesJsonEscapesInNames) {
  const ParsedEvents parsed =
      Accept(R"({"tenant":"caf\u00e9 \"q\" \\","feature":"\ud83d\ude80","tokens":1})");
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].tenant, "caf\u00e9 \"q\" \\");
  EXPECT_EQ(parsed.events[0].feature, "\U0001F680");
}

TEST_F(EventParserTest, ReportsEveryMissingFieldInOrder) {
  EXPECT_THAT(Reject("{}"), ::testing::ElementsAre(FieldError{"tenant", "tenant is required"},
                                                   FieldError{"feature", "feature is required"},
                                                   FieldError{"tokens", "tokens is required"}));
}

TEST_F(EventParserTest, RequiresStringNames) {
  EXPECT_THAT(Reject(R"({"tenant":7,"feature":null,"tokens":1,"id":["x"]})"),
              ::testing::ElementsAre(FieldError{"tenant", "tenant must be a string"},
                                     FieldError{"feature", "feature must be a string"},
                                     FieldError{"id", "id must be a string"}));
}

TEST_F(EventParserTest, AcceptsTokensFromOneToTwoToTheFiftyThirdMinusOne) {
  EXPECT_EQ(Accept(WithTokens("1")).events.at(0).tokens, 1);
  EXPECT_EQ(Accept(WithTokens("9007199254740991")).events.at(0).tokens, 9007199254740991);
}

TEST_F(EventParserTest, RejectsTokensThatAreNotAnIntegerLiteralInRange) {
  for (const char* tokens :
       {"0", "-1", "-0", "9007199254740992", "18446744073709551615", "18446744073709551616", "1.5", "1.0",
        "1e2", "1E2", "\"100\"", "true", "false", "null", "[1]", "{}"}) {
    EXPECT_EQ(RejectOnce(WithTokens(tokens)), (FieldError{"tokens", kTokensRule})) << tokens;
  }
}

TEST_F(EventParserTest, LimitsNamesTo128Bytes) {
  const std::string ok(128, 't');
  const std::string too_long(129, 't');
  EXPECT_EQ(Accept(R"({"tenant":")" + ok + R"(","feature":")" + ok + R"(","tokens":1,"id":")" + ok + R"("})")
                .events.size(),
            1u);
  EXPECT_THAT(
      Reject(R"({"tenant":")" + too_long + R"(","feature":")" + too_long + R"(","tokens":1,"id":")" +
             too_long + R"("})"),
      ::testing::ElementsAre(FieldError{"tenant", "tenant must be 1 to 128 bytes of UTF-8 (it has 129)"},
                             FieldError{"feature", "feature must be 1 to 128 bytes of UTF-8 (it has 129)"},
                             FieldError{"id", "id must be 1 to 128 bytes of UTF-8 (it has 129)"}));
}

TEST_F(EventParserTest, CountsMultiByteCharactersInBytes) {
  std::string euros;  // 43 characters, 129 bytes
  for (int i = 0; i < 43; ++i) euros += "\u20ac";
  EXPECT_EQ(RejectOnce(R"({"tenant":")" + euros + R"(","feature":"f","tokens":1})"),
            (FieldError{"tenant", "tenant must be 1 to 128 bytes of UTF-8 (it has 129)"}));
  EXPECT_EQ(Accept(R"({"tenant":")" + euros.substr(3) + R"(","feature":"f","tokens":1})")
                .events.at(0)
                .tenant.size(),
            126u);
}

TEST_F(EventParserTest, RejectsEmptyNamesAndControlCharacters) {
  EXPECT_THAT(
      Reject(R"({"tenant":"","feature":"a\u0000b","tokens":1,"id":"x\u007f"})"),
      ::testing::ElementsAre(FieldError{"tenant", "tenant must be 1 to 128 bytes of UTF-8 (it has 0)"},
                             FieldError{"feature", "feature must not contain control characters"},
                             FieldError{"id", "id must not contain control characters"}));
}

TEST_F(EventParserTest, AcceptsATimestampUpToFiveMinutesAhead) {
  const std::string limit = FormatRfc3339(kNowMs + 300'000);
  EXPECT_EQ(Accept(WithTimestamp('"' + limit + '"')).events.at(0).occurred_at_ms, kNowMs + 300'000);
  const FieldError error = RejectOnce(WithTimestamp('"' + FormatRfc3339(kNowMs + 300'001) + '"'));
  EXPECT_EQ(error.path, "timestamp");
  EXPECT_THAT(error.message,
              ::testing::StartsWith("timestamp must not be more than 5 minutes ahead of the server's "
                                    "clock (2026-11-18T11:06:40Z)"));
}

TEST_F(EventParserTest, AcceptsAPastTimestampWithinTheIdempotencyWindowOnly) {
  constexpr std::int64_t kWindowMs = 62LL * 86'400'000;  // IDEMPOTENCY_WINDOW_DAYS' default
  for (bool fast_path : {true, false}) {
    options_.fast_path = fast_path;
    EXPECT_EQ(Accept(WithTimestamp('"' + FormatRfc3339(kNowMs - kWindowMs) + '"')).events.at(0).occurred_at_ms,
              kNowMs - kWindowMs);
    const FieldError error = RejectOnce(WithTimestamp('"' + FormatRfc3339(kNowMs - kWindowMs - 1) + '"'));
    EXPECT_EQ(error.path, "timestamp");
    EXPECT_THAT(error.message, ::testing::StartsWith("timestamp must not be more than 62 days before the "
                                                     "server's clock (2026-11-18T11:06:40Z): that is the "
                                                     "idempotency window (IDEMPOTENCY_WINDOW_DAYS)"));
    RejectOnce(WithTimestamp(R"("1999-12-31T23:59:59Z")"));
  }
  // The window is the caller's (IDEMPOTENCY_WINDOW_DAYS).
  options_.max_past_ms = 86'400'000;
  Accept(WithTimestamp('"' + FormatRfc3339(kNowMs - 86'400'000) + '"'));
  EXPECT_THAT(RejectOnce(WithTimestamp('"' + FormatRfc3339(kNowMs - 86'400'001) + '"')).message,
              ::testing::HasSubstr("more than 1 day before"));
}

TEST_F(EventParserTest, UsesTheConfiguredFutureLimit) {
  options_.max_future_ms = 90'000;
  EXPECT_THAT(RejectOnce(WithTimestamp('"' + FormatRfc3339(kNowMs + 91'000) + '"')).message,
              ::testing::HasSubstr("more than 90 seconds ahead"));
}

TEST_F(EventParserTest, RejectsMalformedTimestamps) {
  for (const char* timestamp : {R"("2026-02-30T00:00:00Z")", R"("2026-11-29T12:00:00")", R"("yesterday")",
                                R"("")", "1795000000000", "null", "true"}) {
    EXPECT_EQ(RejectOnce(WithTimestamp(timestamp)), (FieldError{"timestamp", kTimestampRule})) << timestamp;
  }
}

TEST_F(EventParserTest, RejectsBodiesThatAreNotJson) {
  for (const char* body : {"", "{", "tenant=acme", "{\"tenant\":\"a\",}", "[1,]", "{} {}"}) {
    const FieldError error = RejectOnce(body);
    EXPECT_EQ(error.path, "") << body;
    EXPECT_THAT(error.message, ::testing::StartsWith("body is not valid JSON: ")) << body;
  }
}

TEST_F(EventParserTest, KeepsParserMessagesShort) {
  const std::string body = R"({"tenant":")" + std::string(100'000, 'a');  // unterminated
  const FieldError error = RejectOnce(body);
  EXPECT_THAT(error.message, ::testing::StartsWith("body is not valid JSON: "));
  EXPECT_LT(error.message.size(), 300u);
}

TEST_F(EventParserTest, TellsInvalidUtf8ApartFromInvalidJson) {
  EXPECT_EQ(RejectOnce("{\"tenant\":\"a\xff\",\"feature\":\"f\",\"tokens\":1}"),
            (FieldError{"", "body is not valid UTF-8 (ill-formed byte sequence at offset 12)"}));
  EXPECT_EQ(RejectOnce("\xc3\x28"),
            (FieldError{"", "body is not valid UTF-8 (ill-formed byte sequence at offset 0)"}));
  // A lone surrogate escape is well-formed UTF-8 text but not valid JSON.
  EXPECT_THAT(RejectOnce(R"({"tenant":"\ud800","feature":"f","tokens":1})").message,
              ::testing::StartsWith("body is not valid JSON: "));
}

TEST_F(EventParserTest, RejectsBodiesThatAreNeitherObjectNorArray) {
  for (const char* body : {"42", "\"event\"", "null", "true"}) {
    EXPECT_EQ(RejectOnce(body), (FieldError{"", "body must be a JSON object or an array of event objects"}))
        << body;
  }
}

TEST_F(EventParserTest, AcceptsABatchInOrderWithItsOwnIds) {
  const ParsedEvents parsed = Accept(R"([{"tenant":"a","feature":"f","tokens":1},
      {"tenant":"b","feature":"f","tokens":2,"id":"mine"},
      {"tenant":"c","feature":"f","tokens":3}])");
  EXPECT_TRUE(parsed.is_batch);
  ASSERT_EQ(parsed.events.size(), 3u);
  EXPECT_EQ(parsed.events[0].tenant, "a");
  EXPECT_EQ(parsed.events[1].id, "mine");
  EXPECT_EQ(parsed.events[2].tokens, 3);
  EXPECT_LT(parsed.events[0].id, parsed.events[2].id);  // v7 ids from one thread increase
}

TEST_F(EventParserTest, AnArrayOfOneIsABatch) {
  EXPECT_TRUE(Accept(R"([{"tenant":"a","feature":"f","tokens":1}])").is_batch);
}

TEST_F(EventParserTest, AcceptsAThousandEventsAndRejectsOneMore) {
  const std::string event = R"({"tenant":"a","feature":"f","tokens":1})";
  const ParsedEvents parsed = Accept(Batch(1000, event));
  ASSERT_EQ(parsed.events.size(), 1000u);
  std::set<std::string> ids;
  for (const Event& e : parsed.events) ids.insert(e.id);
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(RejectOnce(Batch(1001, event)),
            (FieldError{"", "body has 1001 events; send at most 1000 per request"}));
}

TEST_F(EventParserTest, RejectsAnEmptyBatch) {
  EXPECT_EQ(RejectOnce("[]"), (FieldError{"", "body must contain at least one event; the array is empty"}));
}

TEST_F(EventParserTest, ReportsEveryProblemOfABatchWithItsPath) {
  EXPECT_THAT(
      Reject(R"([{"tenant":"a","feature":"f","tokens":1},
                 {"tenant":"a","feature":"f","tokens":0},
                 5,
                 {"timestamp":"soon"},
                 [],
                 {"tenant":"a","feature":"f","tokens":1.5,"id":""}])"),
      ::testing::ElementsAre(
          FieldError{"[1].tokens", kTokensRule}, FieldError{"[2]", "each event must be a JSON object"},
          FieldError{"[3].tenant", "tenant is required"}, FieldError{"[3].feature", "feature is required"},
          FieldError{"[3].tokens", "tokens is required"}, FieldError{"[3].timestamp", kTimestampRule},
          FieldError{"[4]", "each event must be a JSON object"}, FieldError{"[5].tokens", kTokensRule},
          FieldError{"[5].id", "id must be 1 to 128 bytes of UTF-8 (it has 0)"}));
}

TEST_F(EventParserTest, SurvivesDeeplyNestedJson) {
  const std::string open(100'000, '[');
  EXPECT_THAT(RejectOnce(open).message, ::testing::StartsWith("body is not valid JSON: "));
  EXPECT_EQ(RejectOnce(open + std::string(100'000, ']')),
            (FieldError{"[0]", "each event must be a JSON object"}));
  const std::string nested_field =
      R"({"tenant":"a","feature":"f","tokens":1,"x":)" + open + std::string(100'000, ']') + "}";
  EXPECT_EQ(Accept(nested_field).events.size(), 1u);
}

}  // namespace
}  // namespace flagmeter
