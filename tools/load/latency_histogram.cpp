#include "load/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace flagmeter::load {
namespace {

constexpr int kSubBucketBits = 10;
constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // exact range [0, 1024)
constexpr std::uint64_t kHalf = kSubBuckets / 2;             // buckets per power of two above it
constexpr int kMaxBit = 36;                                  // 2^36 µs ≈ 19 h
constexpr std::uint64_t kMaxValue = (std::uint64_t{1} << (kMaxBit + 1)) - 1;
constexpr std::size_t kBucketCount = kSubBuckets + (kMaxBit - kSubBucketBits + 1) * kHalf;

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

std::size_t LatencyHistogram::IndexOf(std::uint64_t micros) {
  micros = std::min(micros, kMaxValue);
  if (micros < kSubBuckets) return static_cast<std::size_t>(micros);
  const int msb = std::bit_width(micros) - 1;  // >= kSubBucketBits
  const int shift = msb - (kSubBucketBits - 1);
  return static_cast<std::size_t>(kSubBuckets + (shift - 1) * kHalf + ((micros >> shift) - kHalf));
}

std::uint64_t LatencyHistogram::HighestValueAt(std::size_t index) {
  if (index < kSubBuckets) return index;
  const std::size_t above = index - kSubBuckets;
  const int shift = static_cast<int>(above / kHalf) + 1;
  const std::uint64_t sub = kHalf + above % kHalf;
  return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::Record(std::uint64_t micros) {
  ++counts_[IndexOf(micros)];
  ++count_;
  sum_ += micros;
  min_ = std::min(min_, micros);
  max_ = std::max(max_, micros);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(HighestValueAt(i), max_);
  }
  return max_;
}

}  // namespace flagmeter::load
