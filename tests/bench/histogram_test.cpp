#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "bench/histogram.hpp"

using edgectl::bench::Histogram;

namespace {

// 2^(kSubBucketBits-1): a reported value v' for a true value v satisfies v <= v' <= v + v/128.
constexpr uint64_t kPrecisionDivisor = uint64_t{1} << (Histogram::kSubBucketBits - 1);
constexpr uint64_t kExactBelow = uint64_t{1} << Histogram::kSubBucketBits;
constexpr uint64_t kOneHourNs = 3'600'000'000'000;
constexpr size_t kSamples = 100'000;
// Percentiles in parts per million, so the reference rank is computed in integers.
constexpr uint64_t kPpm = 1'000'000;
constexpr uint64_t kCheckedPpm[] = {1,       10'000,  100'000, 250'000, 500'000, 750'000,
                                    900'000, 990'000, 999'000, 999'900, 999'990, kPpm};

bool within_precision(uint64_t truth, uint64_t reported) {
  return reported >= truth && (reported - truth) * kPrecisionDivisor <= truth;
}

// The value at rank ceil(ppm/1e6 * n) (1-based) of the sorted samples.
uint64_t reference_percentile(const std::vector<uint64_t>& sorted, uint64_t ppm) {
  uint64_t n = sorted.size();
  uint64_t rank = std::max<uint64_t>(1, (ppm * n + kPpm - 1) / kPpm);
  return sorted[rank - 1];
}

void check_against_reference(std::vector<uint64_t> values) {
  Histogram h;
  for (auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  for (uint64_t ppm : kCheckedPpm) {
    uint64_t truth = reference_percentile(values, ppm);
    uint64_t reported = h.percentile(double(ppm) * 100 / double(kPpm));
    INFO("percentile ", double(ppm) / 1e4, ": true ", truth, ", reported ", reported);
    CHECK(within_precision(truth, reported));
  }
  CHECK(h.percentile(0) == values.front());
  CHECK(h.percentile(100) == values.back());
}

}  // namespace

TEST_CASE("histogram: values below 256 ns are recorded exactly") {
  Histogram all;
  for (uint64_t v = 0; v < kExactBelow; ++v) {
    Histogram h;
    h.record(v);
    h.record(Histogram::kMaxValue);  // so the percentile is not clamped to max()
    CHECK(h.percentile(50) == v);
    all.record(v);
  }
  auto buckets = all.buckets();
  REQUIRE(buckets.size() == kExactBelow);
  for (uint64_t v = 0; v < kExactBelow; ++v)
    CHECK(buckets[v] == std::pair<uint64_t, uint64_t>{v, 1});
}

TEST_CASE("histogram: any value from 1 ns to 1 hour is reported within 1/128 above it") {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> log_value(0, std::log(double(kOneHourNs)));
  Histogram h;
  for (int i = 0; i < 10'000; ++i) {
    auto v = static_cast<uint64_t>(std::exp(log_value(rng)));
    h.clear();
    h.record(v);
    h.record(Histogram::kMaxValue);
    uint64_t reported = h.percentile(50);
    INFO("value ", v, " reported as ", reported);
    REQUIRE(within_precision(v, reported));
    REQUIRE(within_precision(v, h.buckets().front().first));
  }
  // Bucket edges: the first and last value of a few buckets, on both sides of the exact range.
  for (uint64_t v : {kExactBelow - 1, kExactBelow, kExactBelow + 1, uint64_t{511}, uint64_t{512},
                     uint64_t{1'000'000'007}, kOneHourNs, Histogram::kMaxValue - 1}) {
    h.clear();
    h.record(v);
    h.record(Histogram::kMaxValue);
    INFO("value ", v);
    CHECK(within_precision(v, h.percentile(50)));
  }
}

TEST_CASE("histogram: percentiles of uniform data match a sorted reference within the precision") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> latency(1'000, 10'000'000);
  std::vector<uint64_t> values(kSamples);
  for (auto& v : values) v = latency(rng);
  check_against_reference(std::move(values));
}

TEST_CASE(
    "histogram: percentiles of log-normal data match a sorted reference within the precision") {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> latency(std::log(1e6), 1.5);  // ~1 ms, a long tail
  std::vector<uint64_t> values(kSamples);
  for (auto& v : values) v = static_cast<uint64_t>(latency(rng));
  check_against_reference(std::move(values));
}

TEST_CASE("histogram: min, max, mean and stdev are exact") {
  Histogram h;
  std::vector<uint64_t> values = {100, 200, 300, 1'000'000, 1'000'000, 77};
  for (auto v : values) h.record(v);
  h.record(5'000, 3);  // a count > 1 counts as that many values
  for (int i = 0; i < 3; ++i) values.push_back(5'000);

  double mean = 0, squares = 0;
  for (auto v : values) mean += double(v);
  mean /= double(values.size());
  for (auto v : values) squares += (double(v) - mean) * (double(v) - mean);
  CHECK(h.count() == values.size());
  CHECK(h.min() == 77);
  CHECK(h.max() == 1'000'000);
  CHECK(h.mean() == doctest::Approx(mean).epsilon(1e-12));
  CHECK(h.stdev() == doctest::Approx(std::sqrt(squares / double(values.size()))).epsilon(1e-9));

  Histogram constant;
  constant.record(123'456'789, 1'000);
  CHECK(constant.stdev() == 0);
  CHECK(constant.mean() == 123'456'789);
}

TEST_CASE("histogram: merging equals recording everything into one") {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> latency(std::log(5e5), 1.0);
  Histogram a, b, all;
  for (int i = 0; i < 10'000; ++i) {
    auto v = static_cast<uint64_t>(latency(rng));
    (i % 3 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  CHECK(a.buckets() == all.buckets());
  CHECK(a.count() == all.count());
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  CHECK(a.mean() == doctest::Approx(all.mean()));
  CHECK(a.stdev() == doctest::Approx(all.stdev()));
  for (double p : {0.0, 50.0, 99.0, 99.99, 100.0}) CHECK(a.percentile(p) == all.percentile(p));

  Histogram empty;
  all.merge(empty);  // merging an empty histogram changes nothing, min included
  CHECK(all.min() == a.min());
  CHECK(all.count() == a.count());
}

TEST_CASE("histogram: values above kMaxValue are counted as kMaxValue") {
  Histogram h;
  h.record(UINT64_MAX);
  h.record(Histogram::kMaxValue * 2);
  h.record(1'000);
  CHECK(h.count() == 3);
  CHECK(h.max() == Histogram::kMaxValue);
  CHECK(h.percentile(100) == Histogram::kMaxValue);
  CHECK(h.percentile(99) == Histogram::kMaxValue);
  auto buckets = h.buckets();
  REQUIRE(buckets.size() == 2);
  CHECK(buckets.back() == std::pair<uint64_t, uint64_t>{Histogram::kMaxValue, 2});
}

TEST_CASE("histogram: an empty histogram reports zeros") {
  Histogram h;
  auto check_empty = [](const Histogram& e) {
    CHECK(e.count() == 0);
    CHECK(e.min() == 0);
    CHECK(e.max() == 0);
    CHECK(e.mean() == 0);
    CHECK(e.stdev() == 0);
    CHECK(e.percentile(0) == 0);
    CHECK(e.percentile(50) == 0);
    CHECK(e.percentile(100) == 0);
    CHECK(e.buckets().empty());
  };
  check_empty(h);
  h.record(5'000, 10);
  h.clear();
  check_empty(h);
  check_empty(Histogram::from_buckets({}));
}

TEST_CASE("histogram: percentile 0 is the minimum and 100 the maximum") {
  Histogram h;
  for (uint64_t v : {300'001, 700'003, 12'345'678}) h.record(v);
  CHECK(h.percentile(0) == 300'001);
  CHECK(h.percentile(100) == 12'345'678);
  CHECK(h.percentile(34) == h.percentile(66));  // both the second value's bucket
  CHECK(within_precision(700'003, h.percentile(50)));
}

TEST_CASE("histogram: buckets round-trip through from_buckets") {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> latency(std::log(2e6), 2.0);
  Histogram h;
  for (int i = 0; i < 50'000; ++i) h.record(static_cast<uint64_t>(latency(rng)));
  h.record(UINT64_MAX);
  auto rebuilt = Histogram::from_buckets(h.buckets());
  CHECK(rebuilt.buckets() == h.buckets());
  CHECK(rebuilt.count() == h.count());
  CHECK(rebuilt.max() == h.max());
  CHECK(within_precision(h.min(), rebuilt.min()));
  for (double p : {0.1, 1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    INFO("percentile ", p);
    CHECK(rebuilt.percentile(p) == h.percentile(p));
  }
}
