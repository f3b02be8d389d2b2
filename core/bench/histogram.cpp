#include "bench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace edgectl::bench {
namespace {

// Values below this are their own bucket (exact).
constexpr uint64_t kSubBucketCount = uint64_t{1} << Histogram::kSubBucketBits;
// Each power of two at or above kSubBucketCount is split into this many equal buckets.
constexpr int kHalfBits = Histogram::kSubBucketBits - 1;
constexpr uint64_t kSubBucketHalfCount = uint64_t{1} << kHalfBits;
// p/100 * count lands a hair above an integer through rounding (99.9% of 1000 is not 999.0
// in binary): forgive that much before taking the ceiling, so the rank is the exact one.
constexpr double kRankTolerance = 1e-9;
constexpr double kPercentMax = 100.0;

// Bucket layout: [0, kSubBucketCount) holds the values themselves. Above, a value with its
// highest set bit at position `msb` is shifted right by `shift = msb - kHalfBits`, leaving a
// sub-bucket in [kSubBucketHalfCount, kSubBucketCount); each shift adds kSubBucketHalfCount
// buckets, so index = shift * kSubBucketHalfCount + sub-bucket, continuous with the exact range.
size_t index_of(uint64_t value) {
  if (value < kSubBucketCount) return static_cast<size_t>(value);
  int shift = std::bit_width(value) - 1 - kHalfBits;
  return static_cast<size_t>(uint64_t(shift) * kSubBucketHalfCount + (value >> shift));
}

uint64_t lowest_of(size_t index) {
  if (index < kSubBucketCount) return index;
  int shift = static_cast<int>(index / kSubBucketHalfCount) - 1;
  uint64_t sub = index - uint64_t(shift) * kSubBucketHalfCount;
  return sub << shift;
}

uint64_t highest_of(size_t index) {
  if (index < kSubBucketCount) return index;
  int shift = static_cast<int>(index / kSubBucketHalfCount) - 1;
  return lowest_of(index) + (uint64_t{1} << shift) - 1;
}

}  // namespace

Histogram::Histogram() : counts_(index_of(kMaxValue) + 1, 0) {}

void Histogram::record(uint64_t value, uint64_t count) {
  if (count == 0) return;
  value = std::min(value, kMaxValue);
  counts_[index_of(value)] += count;
  count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  double v = static_cast<double>(value), n = static_cast<double>(count);
  sum_ += v * n;
  sum_squares_ += v * v * n;
}

void Histogram::merge(const Histogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  sum_squares_ += other.sum_squares_;
}

void Histogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = sum_squares_ = 0;
}

uint64_t Histogram::min() const {
  return count_ == 0 ? 0 : min_;
}

double Histogram::mean() const {
  return count_ == 0 ? 0 : sum_ / static_cast<double>(count_);
}

double Histogram::stdev() const {
  if (count_ == 0) return 0;
  double m = mean();
  // E[x^2] - E[x]^2 can come out a rounding error below zero for (near-)constant data.
  double variance = sum_squares_ / static_cast<double>(count_) - m * m;
  return variance > 0 ? std::sqrt(variance) : 0;
}

uint64_t Histogram::percentile(double percentile) const {
  if (count_ == 0) return 0;
  if (!(percentile > 0)) return min();
  if (percentile >= kPercentMax) return max_;
  double exact_rank = percentile / kPercentMax * static_cast<double>(count_);
  auto rank = static_cast<uint64_t>(std::ceil(exact_rank - exact_rank * kRankTolerance));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_of(i), max_);
  }
  return max_;  // unreachable: the counts add up to count_
}

std::vector<std::pair<uint64_t, uint64_t>> Histogram::buckets() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t i = 0; i < counts_.size(); ++i) {
    // The top bucket is reported at max() rather than above it, so that from_buckets()
    // rebuilds the same max() and hence the same percentiles.
    if (counts_[i] != 0) out.emplace_back(std::min(highest_of(i), max_), counts_[i]);
  }
  return out;
}

Histogram Histogram::from_buckets(const std::vector<std::pair<uint64_t, uint64_t>>& buckets) {
  Histogram h;
  for (const auto& [value, count] : buckets) h.record(value, count);
  return h;
}

}  // namespace edgectl::bench
