#include "bench/html/charts.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "bench/html/format.hpp"

namespace edgectl::bench::html {
namespace {

constexpr double kNsPerMs = 1e6;
constexpr double kPercent = 100;
// The percentile axis ends at 99.999% (five nines), as HdrHistogram's plots do.
constexpr int kPercentileNines = 5;
constexpr int kCurveSamples = 200;  // points on each percentile curve
constexpr int kHistogramBinsPerDecade = 10;
constexpr double kMinPlottedNs = 1;  // log10(0) is undefined: 0 ns is drawn as 1 ns
// With at most this many decades on the histogram's axis, 2x and 5x ticks are added.
constexpr int kFineTickDecades = 2;
// Room above the largest value on y axes, so a line at the maximum stays off the frame.
constexpr double kHeadroom = 1.05;
// The percentile axis's tick labels: x = 0, 1, 2 ... is the percentile with that many nines.
constexpr const char* kPercentileLabels[kPercentileNines + 1] = {"0",    "90",    "99",
                                                                 "99.9", "99.99", "99.999"};
constexpr const char* kRequestsPerS = "requests/s";
constexpr const char* kErrorsPerS = "errors/s";
// A run drawn alone has its errors in red; two runs keep their own colours, dashed.
constexpr const char* kErrorColor = "#c0392b";

std::string series_name(const PlottedRun& r, const std::string& what) {
  return r.name.empty() ? what : r.name + " " + what;
}

// 10^k, 2*10^k or 5*10^k ms, with as many decimals as it needs: "0.01", "0.5", "20", "1,000".
std::string tick_ms(int mantissa, int exponent) {
  return format_grouped(mantissa * std::pow(10, exponent), std::max(0, -exponent));
}

}  // namespace

Chart percentile_chart(const std::vector<PlottedRun>& runs, std::string id, std::string title) {
  Chart chart{std::move(id),
              std::move(title),
              "Latency in milliseconds at each percentile, on a log scale towards the tail.",
              {"percentile (%)", 0, kPercentileNines, {}},
              {},
              {},
              {}};
  for (int nines = 0; nines <= kPercentileNines; ++nines)
    chart.x.ticks.push_back({static_cast<double>(nines), kPercentileLabels[nines]});
  double max_ms = 0;
  for (const auto& r : runs) {
    LineSeries s{series_name(r, "latency"), r.color, false, {}};
    if (r.run->latency.count() > 0) {
      for (int i = 0; i < kCurveSamples; ++i) {
        double x = static_cast<double>(kPercentileNines) * i / (kCurveSamples - 1);
        double p = kPercent * (1 - std::pow(10, -x));
        double ms = static_cast<double>(r.run->latency.percentile(p)) / kNsPerMs;
        s.points.push_back({x, ms});
        max_ms = std::max(max_ms, ms);
      }
    }
    chart.lines.push_back(std::move(s));
  }
  chart.y = linear_axis("latency (ms)", max_ms * kHeadroom);
  return chart;
}

Chart histogram_chart(const std::vector<PlottedRun>& runs, std::string id, std::string title) {
  Chart chart{std::move(id),
              std::move(title),
              "Share of the requests in each latency range; latency on a log scale.",
              {"latency (ms, log scale)", 0, 1, {}},
              {},
              {},
              {}};
  // One axis for both runs: from the decade below the fastest to the one above the slowest.
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (const auto& r : runs) {
    for (const auto& [value, count] : r.run->latency.buckets()) {
      double x = std::log10(std::max(static_cast<double>(value), kMinPlottedNs) / kNsPerMs);
      lo = std::min(lo, x), hi = std::max(hi, x);
    }
  }
  if (lo > hi) {  // no run has any latency
    for (const auto& r : runs) chart.bars.push_back({series_name(r, "requests"), r.color, {}});
    return chart;
  }
  int first = static_cast<int>(std::floor(lo)), last = static_cast<int>(std::ceil(hi));
  if (last == first) ++last;
  chart.x.min = first, chart.x.max = last;
  const int bins = (last - first) * kHistogramBinsPerDecade;
  double max_share = 0;
  for (const auto& r : runs) {
    std::map<int, uint64_t> counts;
    for (const auto& [value, count] : r.run->latency.buckets()) {
      double x = std::log10(std::max(static_cast<double>(value), kMinPlottedNs) / kNsPerMs);
      int bin = static_cast<int>(std::floor((x - first) * kHistogramBinsPerDecade));
      counts[std::clamp(bin, 0, bins - 1)] += count;
    }
    BarSeries s{series_name(r, "requests"), r.color, {}};
    double total = static_cast<double>(r.run->latency.count());
    for (const auto& [bin, count] : counts) {
      double share = total > 0 ? kPercent * static_cast<double>(count) / total : 0;
      s.bars.push_back({first + static_cast<double>(bin) / kHistogramBinsPerDecade,
                        first + static_cast<double>(bin + 1) / kHistogramBinsPerDecade, share});
      max_share = std::max(max_share, share);
    }
    chart.bars.push_back(std::move(s));
  }
  for (int k = first; k <= last; ++k) {
    chart.x.ticks.push_back({static_cast<double>(k), tick_ms(1, k)});
    if (last - first > kFineTickDecades || k == last) continue;
    for (int m : {2, 5}) chart.x.ticks.push_back({k + std::log10(m), tick_ms(m, k)});
  }
  chart.y = linear_axis("requests (%)", max_share * kHeadroom);
  return chart;
}

Chart throughput_chart(const std::vector<PlottedRun>& runs, std::string id, std::string title) {
  Chart chart{std::move(id),
              std::move(title),
              "Requests per second in each interval of the measured period, and errors per "
              "second when there were errors.",
              {},
              {},
              {},
              {}};
  double max_t = 0, max_rate = 0;
  for (const auto& r : runs) {
    LineSeries requests{series_name(r, kRequestsPerS), r.color, false, {}};
    LineSeries errors{
        series_name(r, kErrorsPerS), r.name.empty() ? kErrorColor : r.color, true, {}};
    bool any_errors = false;
    double previous = 0;
    for (const auto& point : r.run->timeline) {
      double interval = point.t - previous;
      previous = point.t;
      if (!(interval > 0)) continue;  // a repeated or out-of-order time has no rate
      double rate = static_cast<double>(point.requests) / interval;
      double error_rate = static_cast<double>(point.errors) / interval;
      requests.points.push_back({point.t, rate});
      errors.points.push_back({point.t, error_rate});
      any_errors = any_errors || point.errors > 0;
      max_t = std::max(max_t, point.t);
      max_rate = std::max({max_rate, rate, error_rate});
    }
    chart.lines.push_back(std::move(requests));
    if (any_errors) chart.lines.push_back(std::move(errors));
  }
  chart.x = linear_axis("time (s)", max_t);
  chart.y = linear_axis("per second", max_rate * kHeadroom);
  return chart;
}

}  // namespace edgectl::bench::html
