#include "flagmeter/query/history_series.hpp"

#include <map>
#include <unordered_set>

namespace flagmeter {
namespace {

// Floor division: ranges may start before 1970.
std::int64_t FloorTo(std::int64_t ms, std::int64_t step) {
  const std::int64_t quotient = ms / step;
  return (ms % step < 0 ? quotient - 1 : quotient) * step;
}

std::string_view WiderWindowHint(HistoryWindow window) {
  switch (window) {
    case HistoryWindow::kMinute: return "; use window=hour or a shorter range";
    case HistoryWindow::kHour: return "; use window=day or a shorter range";
    case HistoryWindow::kDay: return "; use a shorter range";
  }
  return "";
}

std::vector<SeriesPoint> ZeroPoints(const HistoryRange& range) {
  std::vector<SeriesPoint> points(range.windows);
  const std::int64_t step = WindowMs(range.window);
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].start_ms = range.from_ms + static_cast<std::int64_t>(i) * step;
  }
  return points;
}

void AddBucket(const HistoryRange& range, const HistoryBucket& bucket, std::vector<SeriesPoint>& points) {
  if (bucket.start_ms < range.from_ms || bucket.start_ms >= range.to_ms) return;
  SeriesPoint& point = points[static_cast<std::size_t>((bucket.start_ms - range.from_ms) / WindowMs(range.window))];
  point.tokens += bucket.tokens;
  point.events += bucket.events;
}

}  // namespace

std::optional<HistoryWindow> ParseHistoryWindow(std::string_view text) {
  if (text == "minute") return HistoryWindow::kMinute;
  if (text == "hour") return HistoryWindow::kHour;
  if (text == "day") return HistoryWindow::kDay;
  return std::nullopt;
}

std::string_view HistoryWindowName(HistoryWindow window) {
  switch (window) {
    case HistoryWindow::kMinute: return "minute";
    case HistoryWindow::kHour: return "hour";
    case HistoryWindow::kDay: return "day";
  }
  return "minute";
}

Result<HistoryRange> AlignHistoryRange(HistoryWindow window, std::int64_t from_ms, std::int64_t to_ms) {
  if (to_ms <= from_ms) return Status::InvalidArgument("to must be after from");
  const std::int64_t step = WindowMs(window);
  HistoryRange range{window, FloorTo(from_ms, step), -FloorTo(-to_ms, step), 0};
  const std::int64_t windows = (range.to_ms - range.from_ms) / step;
  if (windows > static_cast<std::int64_t>(kMaxHistoryPoints)) {
    return Status::InvalidArgument("the range holds " + std::to_string(windows) + " " +
                                   std::string(HistoryWindowName(window)) + " windows, more than the " +
                                   std::to_string(kMaxHistoryPoints) + " points an answer may hold" +
                                   std::string(WiderWindowHint(window)));
  }
  range.windows = static_cast<std::size_t>(windows);
  return range;
}

std::size_t UsageSeries::PointCount() const {
  if (!by_feature) return total.size();
  std::size_t count = 0;
  for (const FeatureSeries& series : features) count += series.points.size();
  return count;
}

std::size_t CountSeriesPoints(const HistoryRange& range, bool by_feature,
                              const std::optional<std::string>& only_feature,
                              const std::vector<HistoryBucket>& buckets) {
  if (!by_feature) return range.windows;
  std::unordered_set<std::string_view> features;
  if (only_feature) features.insert(*only_feature);
  for (const HistoryBucket& bucket : buckets) features.insert(bucket.feature);
  return features.size() * range.windows;
}

UsageSeries FillSeries(const HistoryRange& range, bool by_feature, const std::optional<std::string>& only_feature,
                       const std::vector<HistoryBucket>& buckets) {
  UsageSeries series{range, by_feature, {}, {}};
  if (!by_feature) {
    series.total = ZeroPoints(range);
    for (const HistoryBucket& bucket : buckets) AddBucket(range, bucket, series.total);
    return series;
  }
  std::map<std::string, std::vector<SeriesPoint>> per_feature;  // std::string's order is bytewise
  if (only_feature) per_feature.emplace(*only_feature, ZeroPoints(range));
  for (const HistoryBucket& bucket : buckets) {
    auto [entry, inserted] = per_feature.try_emplace(bucket.feature);
    if (inserted) entry->second = ZeroPoints(range);
    AddBucket(range, bucket, entry->second);
  }
  for (auto& [feature, points] : per_feature) series.features.push_back({feature, std::move(points)});
  return series;
}

}  // namespace flagmeter
