// Feeds arbitrary bytes to the POST /api/events validator. Whatever it
// accepts must survive the queue's wire format unchanged, and the parser must
// answer the same with and without its fast path for one-object and array bodies.
// The same bytes, and every accepted event as the queue holds it, must decode
// the same with and without the queue's own fast path.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/queue/event_codec.hpp"
#include "queue/queued_event_fast_path.hpp"

namespace {

// The fast path answers nothing, or the event the JSON document gives.
void CheckQueuedEventFastPath(std::string_view text) {
  const auto fast = flagmeter::DecodeQueuedEventFast(text);
  if (!fast) return;
  const auto document = flagmeter::DecodeEventDocument(text);
  if (!document.ok() || *document != *fast) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  CheckQueuedEventFastPath(body);
  const flagmeter::ParseOptions options{.now_ms = 1'796'000'000'000};
  auto parsed = flagmeter::ParseEvents(body, options);
  const flagmeter::ParseOptions full_options{.now_ms = options.now_ms, .fast_path = false};
  const auto full = flagmeter::ParseEvents(body, full_options);
  if (parsed.index() != full.index()) std::abort();
  if (const auto* errors = std::get_if<std::vector<flagmeter::FieldError>>(&parsed)) {
    if (*errors != std::get<std::vector<flagmeter::FieldError>>(full)) std::abort();
  } else {
    const auto& mine = std::get<flagmeter::ParsedEvents>(parsed);
    const auto& theirs = std::get<flagmeter::ParsedEvents>(full);
    if (mine.is_batch != theirs.is_batch || mine.events.size() != theirs.events.size()) std::abort();
    for (std::size_t i = 0; i < mine.events.size(); ++i) {
      const flagmeter::Event& a = mine.events[i];
      const flagmeter::Event& b = theirs.events[i];
      // Ids differ only where both were generated (new UUIDv7s).
      if (a.tenant != b.tenant || a.feature != b.feature || a.tokens != b.tokens ||
          a.occurred_at_ms != b.occurred_at_ms || a.received_at_ms != b.received_at_ms ||
          (a.id != b.id && (a.id.size() != 36 || b.id.size() != 36))) {
        std::abort();
      }
    }
  }
  if (auto* accepted = std::get_if<flagmeter::ParsedEvents>(&parsed)) {
    for (const flagmeter::Event& event : accepted->events) {
      const std::string encoded = flagmeter::EncodeEvent(event);
      // As the push script stamps it, with a number the body chose.
      CheckQueuedEventFastPath("{\"s\":" + std::to_string(size * 1'000'003) + "," + encoded.substr(1));
      const auto decoded = flagmeter::DecodeEvent(encoded);
      if (!decoded.ok() || decoded->id != event.id || decoded->tenant != event.tenant ||
          decoded->feature != event.feature || decoded->tokens != event.tokens ||
          decoded->occurred_at_ms != event.occurred_at_ms) {
        std::abort();
      }
    }
  }
  return 0;
}
