// Feeds arbitrary bytes to the POST /api/events validator. Whatever it
// accepts must survive the queue's wire format unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/queue/event_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const flagmeter::ParseOptions options{.now_ms = 1'796'000'000'000};
  auto parsed = flagmeter::ParseEvents(body, options);
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
