#include "flagmeter/queue/dead_letter_record.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "flagmeter/queue/event_codec.hpp"

namespace flagmeter {
namespace {

using nlohmann::json;

Event SampleEvent() { return Event{"e-1", "acme", "gpt-4o", 1500, 1'795'000'000'000, 1'795'000'000'250, 42}; }

// What the dead-letter script stores: the record with its id in front.
std::string WithId(std::uint64_t id, const std::string& record) {
  return "{\"n\":" + std::to_string(id) + "," + record.substr(1);
}

TEST(DeadLetterRecord, PutsTheReasonFirstSoScriptsReadItWithoutDecoding) {
  const std::string record =
      MakeDeadLetterRecord(EncodeEvent(SampleEvent()), DeadLetterReason::kRefused, "refused by the store: x", 7);
  EXPECT_EQ(record.rfind(R"({"reason":"refused","at":7,"detail":"refused by the store: x","event":{)", 0), 0u)
      << record;
}

TEST(DeadLetterRecord, ReadsBackWhatItWrote) {
  // As the push script stamps it: the acceptance number must survive a redrive.
  const std::string queue_text = "{\"s\":42," + EncodeEvent(SampleEvent()).substr(1);
  const std::string stored = WithId(12, MakeDeadLetterRecord(queue_text, DeadLetterReason::kRefused, "why", 99));
  const DeadLetterEntry entry = ReadDeadLetterRecord(stored);
  EXPECT_EQ(entry.id, 12u);
  EXPECT_EQ(entry.reason, DeadLetterReason::kRefused);
  EXPECT_EQ(entry.detail, "why");
  EXPECT_EQ(entry.at_ms, 99);
  ASSERT_TRUE(entry.event.has_value());
  EXPECT_EQ(entry.event->id, "e-1");
  EXPECT_EQ(entry.event->tenant, "acme");
  EXPECT_EQ(entry.event->tokens, 1500);
  EXPECT_EQ(entry.event->accept_seq, 42);
  EXPECT_EQ(json::parse(entry.queue_text), json::parse(queue_text));  // same fields and values
  EXPECT_EQ(entry.record, stored);
}

TEST(DeadLetterRecord, KeepsAnUndecodableEntryAsText) {
  const std::string stored =
      WithId(3, MakeDeadLetterRecord("not json \xff", DeadLetterReason::kUndecodable, "undecodable: x", 1));
  const DeadLetterEntry entry = ReadDeadLetterRecord(stored);
  EXPECT_EQ(entry.reason, DeadLetterReason::kUndecodable);
  EXPECT_FALSE(entry.event.has_value());
  EXPECT_EQ(entry.queue_text, "not json \xEF\xBF\xBD");  // the bad byte replaced
}

TEST(DeadLetterRecord, ReadsRecordsOfEarlierVersionsWhoseReasonWasWords) {
  const std::string refused =
      R"({"at":5,"event":{"f":"f","i":"a","n":1,"o":1,"r":1,"t":"t"},"reason":"refused by the store: check"})";
  DeadLetterEntry entry = ReadDeadLetterRecord(refused);
  EXPECT_EQ(entry.id, 0u);
  EXPECT_EQ(entry.reason, DeadLetterReason::kRefused);
  EXPECT_EQ(entry.detail, "refused by the store: check");
  EXPECT_EQ(entry.at_ms, 5);
  ASSERT_TRUE(entry.event.has_value());
  EXPECT_EQ(entry.event->tenant, "t");

  entry = ReadDeadLetterRecord(R"({"at":5,"event":"garbage","reason":"undecodable: not JSON"})");
  EXPECT_EQ(entry.reason, DeadLetterReason::kUndecodable);
  EXPECT_EQ(entry.queue_text, "garbage");
  EXPECT_FALSE(entry.event.has_value());
}

TEST(DeadLetterRecord, AnythingElseIsAnUndecodableEntryOfItsOwnText) {
  for (const std::string text : {"plain text", "[1,2]", "{}", R"({"reason":7})"}) {
    const DeadLetterEntry entry = ReadDeadLetterRecord(text);
    EXPECT_EQ(entry.reason, DeadLetterReason::kUndecodable) << text;
    EXPECT_FALSE(entry.event.has_value()) << text;
    EXPECT_EQ(entry.record, text);
  }
  EXPECT_EQ(ReadDeadLetterRecord("plain text").queue_text, "plain text");
}

// What kDeadLetterCount makes of a foreign text with bytes that are not
// UTF-8: not JSON to a strict reader, but its id still counts.
TEST(DeadLetterRecord, KeepsTheIdOfARecordThatIsNotValidJson) {
  const DeadLetterEntry entry = ReadDeadLetterRecord("{\"n\":9,\"reason\":\"undecodable\",\"event\":\"\xff\"}");
  EXPECT_EQ(entry.id, 9u);
  EXPECT_EQ(entry.reason, DeadLetterReason::kUndecodable);
  EXPECT_EQ(ReadDeadLetterRecord("{\"n\":x,").id, 0u);
}

TEST(DeadLetterRecord, ReasonLabelsRoundTrip) {
  for (DeadLetterReason reason : {DeadLetterReason::kUndecodable, DeadLetterReason::kRefused}) {
    EXPECT_EQ(ParseDeadLetterReasonLabel(DeadLetterReasonLabel(reason)), reason);
  }
  EXPECT_EQ(DeadLetterReasonLabel(DeadLetterReason::kRefused), "refused");
  EXPECT_FALSE(ParseDeadLetterReasonLabel("Refused").has_value());
}

}  // namespace
}  // namespace flagmeter
