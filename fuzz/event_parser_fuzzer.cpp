// Feeds arbitrary bytes to the POST /api/events validator. Whatever it
// accepts must survive the queue's wire format unchanged, and the parser must
// answer the same with and without its fast path for one-object and array bodies.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>
#include <vector>

#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/queue/event_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
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
      const auto decoded = flagmeter::DecodeEvent(flagmeter::EncodeEvent(event));
      if (!decoded.ok() || decoded->id != event.id || decoded->tenant != event.tenant ||
          decoded->feature != event.feature || decoded->tokens != event.tokens ||
          decoded->occurred_at_ms != event.occurred_at_ms) {
        std::abort();
      }
    }
  }
  return 0;
}
