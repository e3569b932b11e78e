#include "flagmeter/query/history_series.hpp"

#include <gtest/gtest.h>

namespace flagmeter {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 3'600'000;

TEST(HistoryWindow, ParsesExactNames) {
  EXPECT_EQ(ParseHistoryWindow("minute"), HistoryWindow::kMinute);
  EXPECT_EQ(ParseHistoryWindow("hour"), HistoryWindow::kHour);
  EXPECT_EQ(ParseHistoryWindow("day"), HistoryWindow::kDay);
  EXPECT_FALSE(ParseHistoryWindow("Hour"));
  EXPECT_FALSE(ParseHistoryWindow("week"));
  EXPECT_EQ(HistoryWindowName(HistoryWindow::kDay), "day");
}

TEST(AlignHistoryRange, WidensToWholeWindows) {
  Result<HistoryRange> range = AlignHistoryRange(HistoryWindow::kHour, 10 * kHour + 5, 12 * kHour + 1);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->from_ms, 10 * kHour);
  EXPECT_EQ(range->to_ms, 13 * kHour);
  EXPECT_EQ(range->windows, 3u);
  Result<HistoryRange> exact = AlignHistoryRange(HistoryWindow::kMinute, 2 * kMinute, 4 * kMinute);
  EXPECT_EQ(exact->windows, 2u);
}

TEST(AlignHistoryRange, FloorsBefore1970) {
  Result<HistoryRange> range = AlignHistoryRange(HistoryWindow::kMinute, -kMinute - 1, -1);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->from_ms, -2 * kMinute);
  EXPECT_EQ(range->to_ms, 0);
}

TEST(AlignHistoryRange, RejectsEmptyAndOversizedRanges) {
  EXPECT_EQ(AlignHistoryRange(HistoryWindow::kMinute, 5, 5).status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(AlignHistoryRange(HistoryWindow::kMinute, 0, 1500 * kMinute).ok());
  Result<HistoryRange> too_many = AlignHistoryRange(HistoryWindow::kMinute, 0, 1501 * kMinute);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("1501 minute windows"), std::string::npos);
  EXPECT_NE(too_many.status().message().find("window=hour"), std::string::npos);
}

TEST(FillSeries, EveryWindowPresentWithZeros) {
  const HistoryRange range = *AlignHistoryRange(HistoryWindow::kMinute, 0, 4 * kMinute);
  const UsageSeries series = FillSeries(range, false, std::nullopt, {{kMinute, "", 10, 1}, {3 * kMinute, "", 5, 2}});
  ASSERT_EQ(series.total.size(), 4u);
  EXPECT_EQ(series.total[0], (SeriesPoint{0, 0, 0}));
  EXPECT_EQ(series.total[1], (SeriesPoint{kMinute, 10, 1}));
  EXPECT_EQ(series.total[2], (SeriesPoint{2 * kMinute, 0, 0}));
  EXPECT_EQ(series.total[3], (SeriesPoint{3 * kMinute, 5, 2}));
  EXPECT_EQ(series.PointCount(), 4u);
}

TEST(FillSeries, GroupsByFeatureInBytewiseOrder) {
  const HistoryRange range = *AlignHistoryRange(HistoryWindow::kMinute, 0, 2 * kMinute);
  const UsageSeries series =
      FillSeries(range, true, std::nullopt, {{kMinute, "b", 3, 1}, {0, "B", 4, 1}, {0, "b", 1, 1}});
  ASSERT_EQ(series.features.size(), 2u);
  EXPECT_EQ(series.features[0].feature, "B");
  EXPECT_EQ(series.features[1].feature, "b");
  EXPECT_EQ(series.features[1].points[0].tokens, 1);
  EXPECT_EQ(series.features[1].points[1].tokens, 3);
  EXPECT_EQ(series.PointCount(), 4u);
}

TEST(FillSeries, RequestedFeatureIsPresentWithoutUsage) {
  const HistoryRange range = *AlignHistoryRange(HistoryWindow::kMinute, 0, 3 * kMinute);
  const UsageSeries series = FillSeries(range, true, std::string("gpt-4o"), {});
  ASSERT_EQ(series.features.size(), 1u);
  EXPECT_EQ(series.features[0].points.size(), 3u);
}

TEST(FillSeries, IgnoresBucketsOutsideTheRange) {
  const HistoryRange range = *AlignHistoryRange(HistoryWindow::kMinute, kMinute, 2 * kMinute);
  const UsageSeries series = FillSeries(range, false, std::nullopt, {{0, "", 9, 9}, {2 * kMinute, "", 9, 9}});
  ASSERT_EQ(series.total.size(), 1u);
  EXPECT_EQ(series.total[0].tokens, 0);
}

TEST(CountSeriesPoints, CountsWindowsTimesDistinctFeatures) {
  const HistoryRange range{HistoryWindow::kMinute, 0, 10 * kMinute, 10};
  const std::vector<HistoryBucket> buckets = {
      {0, "a", 1, 1}, {kMinute, "a", 1, 1}, {0, "b", 1, 1}, {2 * kMinute, "c", 1, 1}};
  EXPECT_EQ(CountSeriesPoints(range, false, std::nullopt, {}), 10u);
  EXPECT_EQ(CountSeriesPoints(range, true, std::nullopt, buckets), 30u);
  EXPECT_EQ(CountSeriesPoints(range, true, std::string("d"), buckets), 40u);
  EXPECT_EQ(CountSeriesPoints(range, true, std::string("a"), buckets), 30u);
  EXPECT_EQ(CountSeriesPoints(range, true, std::nullopt, {}), 0u);
  EXPECT_EQ(CountSeriesPoints(range, true, std::nullopt, buckets), FillSeries(range, true, std::nullopt, buckets).PointCount());
}

}  // namespace
}  // namespace flagmeter
