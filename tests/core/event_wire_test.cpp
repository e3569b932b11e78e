#include "flagmeter/core/event_wire.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "flagmeter/core/event_json.hpp"
#include "flagmeter/queue/event_codec.hpp"

namespace flagmeter {
namespace {

Event Sample() {
  return Event{.id = "e-1",
               .tenant = "acme \"corp\"",
               .feature = "chat",
               .tokens = 9'007'199'254'740'991,
               .occurred_at_ms = 1'764'000'000'000,
               .received_at_ms = 1'764'000'000'123,
               .accept_seq = 0};
}

// What the push script does to a queued object: kLuaStampFormat in place of its brace.
std::string Stamp(const std::string& object, std::int64_t seq) {
  std::string format(event_wire::kLuaStampFormat);
  format.replace(format.find("%d"), 2, std::to_string(seq));
  return format + object.substr(1);
}

TEST(EventWire, AQueuedEventStampedByThePushScriptDecodesToTheSameEvent) {
  const Event sent = Sample();
  const std::string queued = EncodeEvent(sent);
  const Result<Event> decoded = DecodeEvent(Stamp(queued, 1'764'000'000'000'123));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->id, sent.id);
  EXPECT_EQ(decoded->tenant, sent.tenant);
  EXPECT_EQ(decoded->feature, sent.feature);
  EXPECT_EQ(decoded->tokens, sent.tokens);
  EXPECT_EQ(decoded->occurred_at_ms, sent.occurred_at_ms);
  EXPECT_EQ(decoded->received_at_ms, sent.received_at_ms);
  EXPECT_EQ(decoded->accept_seq, 1'764'000'000'000'123);
}

TEST(EventWire, TheStoreParameterCarriesEveryFieldTheSqlReadsUnderItsKey) {
  Event event = Sample();
  event.accept_seq = 42;
  std::string object;
  AppendEventJson(event, /*with_accept_seq=*/true, object);
  const nlohmann::json parsed = nlohmann::json::parse(object);
  ASSERT_EQ(parsed.size(), event_wire::kFields.size());
  for (const event_wire::Field& field : event_wire::kFields) {
    EXPECT_TRUE(parsed.contains(field.key)) << field.name;
    // json_to_recordset reads text columns from strings and bigint ones from numbers.
    const nlohmann::json& value = parsed.at(std::string(field.key));
    if (field.sql_type.starts_with("text")) {
      EXPECT_TRUE(value.is_string()) << field.name;
    } else {
      EXPECT_EQ(field.sql_type, "bigint");
      EXPECT_TRUE(value.is_number_integer()) << field.name;
    }
  }
  EXPECT_EQ(parsed.at(std::string(event_wire::kAcceptSeq.key)), 42);
  // The decoder reads the store's form too.
  const Result<Event> decoded = DecodeEvent(object);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->accept_seq, 42);
}

TEST(EventWire, TheSqlColumnsAndTheStampAreCheckedAgainstTheFields) {
  EXPECT_TRUE(event_wire::detail::ColumnsMatchFields(event_wire::kSqlColumns));
  EXPECT_FALSE(event_wire::detail::ColumnsMatchFields("i text, t text, f text, n bigint, o bigint, r bigint"));
  EXPECT_FALSE(event_wire::detail::ColumnsMatchFields("i text, t text, f text, n bigint, o bigint, s bigint, r bigint"));
  // The id and the feature without their bytewise collation.
  EXPECT_FALSE(event_wire::detail::ColumnsMatchFields("i text, t text, f text, n bigint, o bigint, r bigint, s bigint"));
  EXPECT_TRUE(event_wire::detail::IsStampFormat(R"({"s":%d,)"));
  EXPECT_FALSE(event_wire::detail::IsStampFormat(R"({"q":%d,)"));
}

}  // namespace
}  // namespace flagmeter
