#include "load/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>
#include <random>

#include <gtest/gtest.h>

namespace flagmeter::load {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.Percentile(0.99), 0u);
  EXPECT_EQ(histogram.max(), 0u);
  EXPECT_EQ(histogram.min(), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (std::uint64_t v = 1; v <= 1000; ++v) histogram.Record(v);
  EXPECT_EQ(histogram.Percentile(0.5), 500u);
  EXPECT_EQ(histogram.Percentile(0.99), 990u);
  EXPECT_EQ(histogram.Percentile(0.999), 999u);
  EXPECT_EQ(histogram.Percentile(1.0), 1000u);
  EXPECT_EQ(histogram.min(), 1u);
  EXPECT_DOUBLE_EQ(histogram.Mean(), 500.5);
}

TEST(LatencyHistogram, BucketsAreContiguousAndWithinTwoPerMille) {
  std::uint64_t previous_high = 0;
  for (std::size_t index = 1; index < 20000 && LatencyHistogram::HighestValueAt(index) < (1ULL << 36); ++index) {
    const std::uint64_t high = LatencyHistogram::HighestValueAt(index);
    ASSERT_EQ(LatencyHistogram::IndexOf(previous_high + 1), index) << "value " << previous_high + 1;
    ASSERT_EQ(LatencyHistogram::IndexOf(high), index) << "value " << high;
    const std::uint64_t width = high - previous_high;
    if (high < 1024) {
      ASSERT_EQ(width, 1u) << "bucket " << index;  // exact below 1024 µs
    } else {
      ASSERT_LE(static_cast<double>(width) / static_cast<double>(high), 0.002) << "bucket " << index;
    }
    previous_high = high;
  }
}

TEST(LatencyHistogram, TailPercentilesMatchASortedReference) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(8.0, 1.2);  // median ~3 ms, long tail
  std::vector<std::uint64_t> values;
  LatencyHistogram histogram;
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<std::uint64_t>(latency(rng));
    values.push_back(v);
    histogram.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (const double q : {0.5, 0.95, 0.99, 0.999}) {
    const std::uint64_t exact = values[static_cast<std::size_t>(std::ceil(q * values.size())) - 1];
    const std::uint64_t reported = histogram.Percentile(q);
    EXPECT_GE(reported, exact) << "q=" << q;
    EXPECT_LE(static_cast<double>(reported - exact), 0.002 * static_cast<double>(exact) + 1) << "q=" << q;
  }
  EXPECT_EQ(histogram.Percentile(1.0), values.back());
  EXPECT_EQ(histogram.max(), values.back());
}

TEST(LatencyHistogram, HugeValuesAreClampedNotLost) {
  LatencyHistogram histogram;
  histogram.Record(UINT64_MAX / 2);
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_GT(histogram.Percentile(0.5), 0u);
}

TEST(LatencyHistogram, MergeAddsCountsAndKeepsExtremes) {
  LatencyHistogram a;
  LatencyHistogram b;
  a.Record(10);
  a.Record(20);
  b.Record(5);
  b.Record(5000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 4u);
  EXPECT_EQ(a.min(), 5u);
  EXPECT_EQ(a.max(), 5000u);
  EXPECT_EQ(a.Percentile(0.25), 5u);
  EXPECT_EQ(a.Percentile(0.75), 20u);
}

}  // namespace
}  // namespace flagmeter::load
