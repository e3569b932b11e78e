#pragma once

#include <cstdint>
#include <vector>

namespace flagmeter::load {

/// A log-linear latency histogram in microseconds, in the manner of
/// HdrHistogram: 1024 exact buckets below 1024 µs, then every power of two
/// split into 512 equal buckets, so any recorded value is known to within
/// 0.2 % — exact enough for p99.9 — in fixed memory (~120 kB) however long
/// the run. Values above about 19 hours are clamped.
/// Thread-compatible: one writer; merge shards after the run.
class LatencyHistogram final {
 public:
  LatencyHistogram();

  void Record(std::uint64_t micros);
  void Merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  double Mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }

  /// The value at quantile `q` in [0, 1] (the smallest bucket reaching rank
  /// ceil(q * count)), reported as that bucket's highest value and never above
  /// the recorded maximum; 0 when empty.
  std::uint64_t Percentile(double q) const;

  /// Bucket helpers, exposed for tests.
  static std::size_t IndexOf(std::uint64_t micros);
  static std::uint64_t HighestValueAt(std::size_t index);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace flagmeter::load
