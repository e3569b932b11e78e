#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/core/status.hpp"
#include "flagmeter/store/usage_history.hpp"

namespace flagmeter {

/// The most points one history answer may hold (windows × features).
inline constexpr std::size_t kMaxHistoryPoints = 1500;

/// "minute", "hour", "day" (exactly); none for anything else.
std::optional<HistoryWindow> ParseHistoryWindow(std::string_view text);
std::string_view HistoryWindowName(HistoryWindow window);

/// A requested range widened to whole windows: `from_ms` down to its
/// window's start, `to_ms` (exclusive) up to a window boundary.
struct HistoryRange {
  HistoryWindow window = HistoryWindow::kMinute;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  std::size_t windows = 0;
};

/// Aligns [from_ms, to_ms) to `window`. InvalidArgument when to_ms is not
/// after from_ms, or when the range holds more than kMaxHistoryPoints
/// windows (the message names the count and a wider window to use).
/// Thread-safe (pure).
Result<HistoryRange> AlignHistoryRange(HistoryWindow window, std::int64_t from_ms, std::int64_t to_ms);

struct SeriesPoint {
  std::int64_t start_ms = 0;
  TokenSum tokens = 0;
  std::int64_t events = 0;

  friend bool operator==(const SeriesPoint&, const SeriesPoint&) = default;
};

struct FeatureSeries {
  std::string feature;
  std::vector<SeriesPoint> points;
};

/// A series with every window of the range present, zeros where nothing was
/// used: `total` when not grouped, else one entry per feature in `features`.
struct UsageSeries {
  HistoryRange range;
  bool by_feature = false;
  std::vector<SeriesPoint> total;
  std::vector<FeatureSeries> features;  // bytewise by name

  std::size_t PointCount() const;
};

/// The points FillSeries would make of the same arguments, counted without
/// making them: windows, times features when grouped. Thread-safe (pure).
std::size_t CountSeriesPoints(const HistoryRange& range, bool by_feature,
                              const std::optional<std::string>& only_feature,
                              const std::vector<HistoryBucket>& buckets);

/// Spreads `buckets` (as ReadHistory returns them) over every window of
/// `range`. With `by_feature`, a feature named in `only_feature` is present
/// even without usage. Thread-safe (pure).
UsageSeries FillSeries(const HistoryRange& range, bool by_feature, const std::optional<std::string>& only_feature,
                       const std::vector<HistoryBucket>& buckets);

}  // namespace flagmeter
