#include "queue/queued_event_fast_path.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "flagmeter/core/event_json.hpp"
#include "flagmeter/queue/event_codec.hpp"
#include "queue/expect_same_event.hpp"

namespace flagmeter {
namespace {

// What the push script makes of EncodeEvent's text: the number in front.
std::string Stamped(std::int64_t seq, const Event& event) {
  return "{\"s\":" + std::to_string(seq) + "," + EncodeEvent(event).substr(1);
}

Event Sample() {
  return Event{"0190c6f2-5d1e-7b3a-9c4d-2e8f6a1b3c5d", "acme-corp", "gpt-4o", 1200, 1796000000000, 1796000000123, 0};
}

TEST(QueuedEventFastPath, ReadsAStampedEntryAsTheDocumentDoes) {
  const std::string entry = Stamped(1796000000123456, Sample());
  const std::optional<Event> fast = DecodeQueuedEventFast(entry);
  ASSERT_TRUE(fast.has_value()) << entry;
  EXPECT_EQ(fast->accept_seq, 1796000000123456);
  const Result<Event> document = DecodeEventDocument(entry);
  ASSERT_TRUE(document.ok());
  ExpectSameEvent(*fast, *document);
}

TEST(QueuedEventFastPath, ReadsAnUnstampedEntryAndTheStoresFormWithTheNumberLast) {
  const std::string unstamped = EncodeEvent(Sample());
  const std::optional<Event> fast = DecodeQueuedEventFast(unstamped);
  ASSERT_TRUE(fast.has_value()) << unstamped;
  EXPECT_EQ(fast->accept_seq, 0);
  ExpectSameEvent(*fast, *DecodeEventDocument(unstamped));

  Event event = Sample();
  event.accept_seq = 42;
  std::string last;
  AppendEventJson(event, /*with_accept_seq=*/true, last);
  const std::optional<Event> fast_last = DecodeQueuedEventFast(last);
  ASSERT_TRUE(fast_last.has_value()) << last;
  ExpectSameEvent(*fast_last, event);
}

TEST(QueuedEventFastPath, ReadsTheLargestNumbersItTakes) {
  Event event = Sample();
  event.tokens = 9'007'199'254'740'991;
  event.occurred_at_ms = 999'999'999'999'999'999;  // 18 digits
  event.received_at_ms = 0;
  const std::string entry = Stamped(999'999'999'999'999'999, event);
  const std::optional<Event> fast = DecodeQueuedEventFast(entry);
  ASSERT_TRUE(fast.has_value()) << entry;
  ExpectSameEvent(*fast, *DecodeEventDocument(entry));
}

// Each of these is left to the document: nullopt from the fast path, and
// DecodeEvent's answer (event or error) is the document's.
TEST(QueuedEventFastPath, LeavesEverythingElseToTheDocument) {
  const std::string base = R"("i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2)";
  const std::vector<std::string> others = {
      "",
      "{}",
      "[" + base + "]",
      "{" + base,                                                   // unterminated
      "{" + base + "} ",                                            // trailing space
      "{" + base + "}x",                                            // trailing garbage
      "{ " + base + "}",                                            // whitespace
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1})",          // "r" missing
      R"({"t":"acme","i":"e1","f":"gpt-4o","n":5,"o":1,"r":2})",    // another order
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2,"x":1})",  // an unknown field
      R"({"i":"","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2})",      // empty id
      R"({"i":"e\"1","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2})",  // an escape
      R"({"i":"e1","t":"acm\u00e9","f":"gpt-4o","n":5,"o":1,"r":2})",
      "{\"i\":\"e1\",\"t\":\"acm\xc3\xa9\",\"f\":\"gpt-4o\",\"n\":5,\"o\":1,\"r\":2}",  // UTF-8
      "{\"i\":\"e1\",\"t\":\"acm\xff\",\"f\":\"gpt-4o\",\"n\":5,\"o\":1,\"r\":2}",      // not UTF-8
      "{\"i\":\"e\t1\",\"t\":\"acme\",\"f\":\"gpt-4o\",\"n\":5,\"o\":1,\"r\":2}",       // raw control
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":0,"o":1,"r":2})",    // no tokens
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":9007199254740992,"o":1,"r":2})",
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":5.0,"o":1,"r":2})",
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":5e2,"o":1,"r":2})",
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":05,"o":1,"r":2})",   // a leading zero
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":-1,"r":2})",   // a sign
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1234567890123456789,"r":2})",  // 19 digits
      R"({"s":99999999999999999999,"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2})",  // past int64
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":"5","o":1,"r":2})",  // a string
      R"({"i":1,"t":"acme","f":"gpt-4o","n":5,"o":1,"r":2})",       // a number
      R"({"s":1,"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2,"s":3})",  // twice
      R"({"s":-1,"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2})",
      R"({"s":1,"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2,})",
      R"({"i":"e1","t":"acme","f":"gpt-4o","n":5,"o":1,"r":2,"s":})",
  };
  for (const std::string& text : others) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(DecodeQueuedEventFast(text).has_value());
    const Result<Event> decoded = DecodeEvent(text);
    const Result<Event> document = DecodeEventDocument(text);
    ASSERT_EQ(decoded.ok(), document.ok());
    if (decoded.ok()) {
      ExpectSameEvent(*decoded, *document);
    } else {
      EXPECT_EQ(decoded.status().ToString(), document.status().ToString());
    }
  }
}

}  // namespace
}  // namespace flagmeter
