#pragma once
// A log-linear latency histogram in the manner of HdrHistogram: values (nanoseconds) below
// 2^kSubBucketBits are counted exactly; above, each power of two is split into
// 2^(kSubBucketBits-1) equal buckets, so a value is known to within 1 part in 2^(kSubBucketBits-1)
// (kRelativePrecision). Recording is O(1) with no allocation after construction; merging
// adds counts. Percentiles are reported as the highest value equivalent to the bucket they
// fall in (clamped to the maximum recorded), as HdrHistogram does.
#include <cstdint>
#include <utility>
#include <vector>

namespace edgectl::bench {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 8;
  // Every recorded value v is reported as some v' with v <= v' <= v * (1 + kRelativePrecision).
  static constexpr double kRelativePrecision = 1.0 / (1 << (kSubBucketBits - 1));
  // Values above this (about 73 minutes in ns) are counted as this.
  static constexpr uint64_t kMaxValue = uint64_t{1} << 42;

  Histogram();

  void record(uint64_t value, uint64_t count = 1);
  void merge(const Histogram& other);
  void clear();

  uint64_t count() const { return count_; }
  uint64_t min() const;  // 0 when empty
  uint64_t max() const { return max_; }
  double mean() const;
  double stdev() const;  // population standard deviation
  // The value at or below which `percentile` percent (0..100) of the recorded values fall.
  uint64_t percentile(double percentile) const;

  // The non-empty buckets as (highest equivalent value, count), in increasing order: what
  // the JSON result and the HTML report carry.
  std::vector<std::pair<uint64_t, uint64_t>> buckets() const;
  // Rebuilds a histogram from buckets() (each value recorded `count` times).
  static Histogram from_buckets(const std::vector<std::pair<uint64_t, uint64_t>>& buckets);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0, min_ = UINT64_MAX, max_ = 0;
  double sum_ = 0, sum_squares_ = 0;
};

}  // namespace edgectl::bench
