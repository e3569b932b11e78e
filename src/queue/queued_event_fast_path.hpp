#pragma once

#include <optional>
#include <string_view>

#include "flagmeter/core/event.hpp"

namespace flagmeter {

/// A queue entry exactly as the service writes it - AppendEventJson's
/// object, stamped by the push script:
///   {"s":<seq>,"i":"<id>","t":"<tenant>","f":"<feature>","n":<tokens>,"o":<ms>,"r":<ms>}
/// ("s" first, last or absent) - read without building a JSON document,
/// which cost the workers about a third of their CPU in a drain. Returns the
/// event only when the text is exactly that shape (no whitespace; strings of
/// printable ASCII without escapes; integers without sign, fraction or
/// exponent, under 19 digits) AND DecodeEvent would accept it; nullopt for
/// anything else, which DecodeEvent then reads in full and words. So on any
/// text this returns nothing or the very event the full decoding returns
/// (the event_parser fuzzer checks that). Thread-safe (pure).
std::optional<Event> DecodeQueuedEventFast(std::string_view encoded);

}  // namespace flagmeter
