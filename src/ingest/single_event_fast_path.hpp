#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "flagmeter/core/event.hpp"
#include "flagmeter/ingest/event_parser.hpp"

namespace flagmeter {

/// The common POST body - one flat object of plain strings and a token
/// count, such as {"tenant":"acme","feature":"gpt-4o","tokens":1200} - read
/// without building a JSON document. Returns the event only when the body is
/// exactly such an object (known fields, each once; strings without escapes;
/// tokens a plain integer literal; whitespace only around tokens) AND every
/// field is valid; for anything else, including every invalid body, nullopt:
/// the caller then runs the full parser, which alone words the errors. So on
/// any body this returns either nothing or exactly the event the full parser
/// would return (the fuzzer checks that).
std::optional<Event> ParseSingleEventFast(std::string_view body, const ParseOptions& options);

/// The same for a batch: a JSON array of 1..max_batch_events such objects,
/// every one valid; nullopt for anything else (an empty or too long array,
/// one object off the plain shape or invalid), which the full parser then
/// reads and words. A batch of plain events is thus read without a JSON
/// document, which cost about seven allocations per event.
std::optional<std::vector<Event>> ParseBatchFast(std::string_view body, const ParseOptions& options);

}  // namespace flagmeter
