#pragma once

#include <string>
#include <string_view>

#include "flagmeter/core/event.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// The wire form of one event in the Valkey queue, compact JSON:
///   {"i":"<id>","t":"<tenant>","f":"<feature>","n":<tokens>,"o":<occurred_at_ms>,"r":<received_at_ms>}
/// Strings are escaped as JSON requires ('"', '\\', control characters); other
/// bytes are copied as they are, so the Event's strings must be valid UTF-8
/// (ParseEvents guarantees it) for the result to decode. Thread-safe (pure).
std::string EncodeEvent(const Event& event);

/// Reads what EncodeEvent wrote. InvalidArgument, naming the field, when the
/// text is not JSON, not an object, or a field is missing or of the wrong
/// type (strings for i/t/f, non-empty; integers for n/o/r, n in 1..2^53-1):
/// such an entry can never be stored and belongs in the dead-letter list.
/// Unknown fields are ignored, so newer writers can add some. Never throws.
/// Thread-safe (pure).
/// Entries in the service's own exact shape are read without a JSON
/// document (src/queue/queued_event_fast_path.hpp); the rest as below.
Result<Event> DecodeEvent(std::string_view encoded);

/// DecodeEvent without that fast path, always through a JSON document: the
/// reference the tests and the fuzzer hold the fast path to.
Result<Event> DecodeEventDocument(std::string_view encoded);

/// The tenant of an event EncodeEvent wrote, read without decoding the rest
/// (the pusher routes each event to its tenant's shard). Falls back to
/// DecodeEvent when a string holds escapes; empty when the text does not
/// decode. Never throws. Thread-safe (pure).
std::string TenantOfEncodedEvent(std::string_view encoded);

}  // namespace flagmeter
