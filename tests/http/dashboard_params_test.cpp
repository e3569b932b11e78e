#include "http/dashboard_params.hpp"

#include <gtest/gtest.h>

#include "flagmeter/core/rfc3339.hpp"

namespace flagmeter {
namespace {

const std::int64_t kNow = *ParseRfc3339Ms("2026-11-14T09:30:20Z");

std::vector<FieldError> Errors(std::string_view query) {
  auto parsed = ParseSeriesRequest(query, kNow);
  auto* errors = std::get_if<std::vector<FieldError>>(&parsed);
  return errors ? *errors : std::vector<FieldError>{};
}

SeriesRequest Request(std::string_view query) {
  auto parsed = ParseSeriesRequest(query, kNow);
  auto* request = std::get_if<std::optional<SeriesRequest>>(&parsed);
  EXPECT_TRUE(request && *request) << query;
  return request && *request ? **request : SeriesRequest{};
}

TEST(ParseSeriesRequest, NoSeriesParametersMeansPlainUsage) {
  for (std::string_view query : {"", "x=1", "pretty&debug=true"}) {
    auto parsed = ParseSeriesRequest(query, kNow);
    ASSERT_TRUE(std::holds_alternative<std::optional<SeriesRequest>>(parsed)) << query;
    EXPECT_FALSE(std::get<std::optional<SeriesRequest>>(parsed)) << query;
  }
}

TEST(ParseSeriesRequest, ReadsRangeWindowAndFeature) {
  const SeriesRequest request =
      Request("window=hour&from=2026-11-14T01:30:00%2B01:00&to=2026-11-14T03:00:00Z&feature=gpt%2D4o&groupBy=feature");
  EXPECT_EQ(request.range.window, HistoryWindow::kHour);
  EXPECT_EQ(request.range.from_ms, *ParseRfc3339Ms("2026-11-14T00:00:00Z"));
  EXPECT_EQ(request.range.to_ms, *ParseRfc3339Ms("2026-11-14T03:00:00Z"));
  EXPECT_EQ(request.range.windows, 3u);
  EXPECT_EQ(request.feature, "gpt-4o");
  EXPECT_TRUE(request.by_feature);
}

TEST(ParseSeriesRequest, PlusStaysPlusInOffsets) {
  const SeriesRequest request = Request("window=minute&from=2026-11-14T10:00:00+01:00&to=2026-11-14T09:02:00Z");
  EXPECT_EQ(request.range.windows, 2u);
}

TEST(ParseSeriesRequest, DefaultsEndNowAndSpanByWindow) {
  const SeriesRequest minute = Request("window=minute");
  EXPECT_EQ(minute.range.to_ms, *ParseRfc3339Ms("2026-11-14T09:31:00Z"));
  EXPECT_EQ(minute.range.from_ms, *ParseRfc3339Ms("2026-11-14T08:30:00Z"));
  const SeriesRequest day = Request("window=day");
  EXPECT_EQ(day.range.windows, 31u);
  EXPECT_FALSE(day.by_feature);
  EXPECT_FALSE(day.feature);
}

TEST(ParseSeriesRequest, ReportsEveryProblemWithItsParameter) {
  const std::vector<FieldError> errors = Errors("window=week&from=soon&to=2026-13-01T00:00:00Z&groupBy=tenant");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].path, "window");
  EXPECT_EQ(errors[1].path, "from");
  EXPECT_EQ(errors[2].path, "to");
  EXPECT_EQ(errors[3].path, "groupBy");
  EXPECT_EQ(Errors("from=2026-11-14T00:00:00Z")[0].path, "window");
  EXPECT_EQ(Errors("window=day&window=hour")[0].message, "window is given more than once");
  EXPECT_EQ(Errors("window=day&feature=%zz")[0].path, "feature");
  EXPECT_EQ(Errors("window=day&feature=")[0].path, "feature");
}

TEST(ParseSeriesRequest, EmptyOrTooLargeRanges) {
  const std::vector<FieldError> empty = Errors("window=minute&from=2026-11-14T09:00:00Z&to=2026-11-14T09:00:00Z");
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].path, "to");
  const std::vector<FieldError> large = Errors("window=minute&from=2026-11-01T00:00:00Z");
  ASSERT_EQ(large.size(), 1u);
  EXPECT_EQ(large[0].path, "from");
  EXPECT_NE(large[0].message.find("window=hour"), std::string::npos);
}

}  // namespace
}  // namespace flagmeter
