#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flagmeter/core/event.hpp"

namespace flagmeter {

/// One problem with a request body: where ("tokens", "[3].tenant", "" for the
/// body as a whole) and what to do about it, as one sentence for a person.
struct FieldError {
  std::string path;
  std::string message;

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

struct ParseOptions {
  std::int64_t now_ms = 0;               // the server's clock, Unix milliseconds UTC
  std::size_t max_batch_events = 1000;   // most events in one array body
  std::int64_t max_future_ms = 300'000;  // how far `timestamp` may run ahead of now_ms
  // How far `timestamp` may lie before now_ms: the idempotency window
  // (IDEMPOTENCY_WINDOW_DAYS). An older event could no longer be told apart
  // from a re-send of one whose id has been forgotten.
  std::int64_t max_past_ms = 62LL * 86'400'000;
  // Read the common one-object body without building a JSON document (same
  // result either way; tests and the fuzzer turn it off to compare).
  bool fast_path = true;
};

struct ParsedEvents {
  std::vector<Event> events;  // in the order of the body
  bool is_batch = false;      // the body was an array (answer with "eventIds")
};

/// Parses and validates a POST /api/events body (see shared API.md): a JSON
/// object, or an array of 1..max_batch_events objects, each with
///   tenant, feature  required strings passing NameProblem;
///   tokens           required JSON integer literal 1..2^53-1 (1.0, 1e2, "1" are not);
///   id               optional string passing NameProblem (null is not "absent");
///   timestamp        optional RFC 3339 string at most max_future_ms after now_ms
///                    and at most max_past_ms before it.
/// Unknown fields are ignored. On success every event is filled in: id is the
/// client's or a new UUIDv7, received_at_ms is now_ms, occurred_at_ms is the
/// timestamp or now_ms. Otherwise returns every problem found, in body order
/// and, within an event, in the field order above; a batch with any bad event
/// yields only errors. Never throws; deeply nested JSON is rejected, not a crash.
/// Thread-safe (pure, apart from the per-thread UUID state).
std::variant<ParsedEvents, std::vector<FieldError>> ParseEvents(std::string_view body,
                                                                const ParseOptions& options);

}  // namespace flagmeter
