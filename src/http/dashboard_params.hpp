#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/query/history_series.hpp"

namespace flagmeter {

/// The series part of GET /api/usage/:tenant, from its query string.
struct SeriesRequest {
  HistoryRange range;
  std::optional<std::string> feature;  // feature=: only this feature
  bool by_feature = false;             // groupBy=feature
};

/// Reads window=minute|hour|day, from=, to= (RFC 3339), feature= and
/// groupBy=feature from `query` (after '?', percent-decoded once, '+' kept
/// as '+' so offsets such as +02:00 need no escaping). None when it names no
/// series parameter: a plain usage answer. A series needs `window`; without
/// `to` it ends now (`now_ms`), without `from` it starts a default span
/// before `to` (minute: 1 hour, hour: 2 days, day: 30 days). Other parameters
/// are ignored. Every problem is reported with its parameter as the path.
/// Thread-safe (pure).
std::variant<std::optional<SeriesRequest>, std::vector<FieldError>> ParseSeriesRequest(std::string_view query,
                                                                                       std::int64_t now_ms);

}  // namespace flagmeter
