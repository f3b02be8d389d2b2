#pragma once
// The report's three figures for a run, or for a run and its counterpart drawn together:
// the latency percentile curve, the latency histogram and throughput over time.
#include <string>
#include <vector>

#include "bench/html/svg_chart.hpp"
#include "bench/result.hpp"

namespace edgectl::bench::html {

// A run as drawn: its series are named `name` ("A", "B"; empty for a run alone).
struct PlottedRun {
  const RunResult* run = nullptr;
  std::string name;
  std::string color;
};

// x: percentile on the HDR log scale, x = -log10(1 - p/100), ticks 0, 90, 99 ... 99.999;
// y: latency in ms, linear.
Chart percentile_chart(const std::vector<PlottedRun>& runs, std::string id, std::string title);
// x: latency in ms on a log scale, 10 bars a decade; y: share of the requests (%).
Chart histogram_chart(const std::vector<PlottedRun>& runs, std::string id, std::string title);
// x: seconds into the measured period; y: requests/s in each timeline interval, and
// errors/s when there were errors.
Chart throughput_chart(const std::vector<PlottedRun>& runs, std::string id, std::string title);

}  // namespace edgectl::bench::html
