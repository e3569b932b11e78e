#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/queue/dead_letter_mover.hpp"
#include "flagmeter/queue/dead_letter_store.hpp"

namespace flagmeter {

/// The query of GET /api/dead-letters.
struct DeadLetterListQuery {
  static constexpr std::size_t kDefaultLimit = 100;
  static constexpr std::size_t kMaxLimit = 500;

  std::size_t limit = kDefaultLimit;  // limit=1..500
  std::uint64_t after_id = 0;         // cursor=<the nextCursor of the previous page>
};

/// Reads limit and cursor from `query` (after '?'); other parameters are
/// ignored. Every problem, with the parameter as its path, otherwise.
std::variant<DeadLetterListQuery, std::vector<FieldError>> ParseDeadLetterListQuery(std::string_view query);

/// Reads the body of POST /api/dead-letters/redrive and /discard: a JSON
/// object with exactly one of "ids" (1..500 record ids), "count" (a positive
/// integer: the oldest records) and "all": true, plus an optional "reason"
/// ("undecodable" or "refused") with count or all. Unknown fields are errors:
/// these calls move or drop data.
std::variant<DeadLetterSelection, std::vector<FieldError>> ParseDeadLetterSelection(std::string_view body);

/// 200 body of GET /api/dead-letters:
/// {"deadLetters": [...], "total": N, "nextCursor": "<id>" or null}.
std::string DeadLetterPageJson(const DeadLetterPage& page);

/// 200 body of a redrive ({"redriven", "notFound", "queueFull", "remaining"})
/// or a discard ({"discarded", "notFound", "remaining"}).
std::string DeadLetterMoveJson(DeadLetterAction action, const DeadLetterMoveReport& report);

}  // namespace flagmeter
