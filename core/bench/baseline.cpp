// The baseline gate (check_baseline in result.hpp): pairs the runs of two results and flags
// throughput that fell, or p99 latency that rose, by more than the allowed fraction.
#include <cmath>
#include <set>

#include "bench/result.hpp"

namespace edgectl::bench {
namespace {

// The percentile the gate watches: the tail users feel, stable enough over a short run.
constexpr double kGatedPercentile = 99;
// A change exactly at the threshold passes ("more than" 10%), whatever the rounding of the
// division that computed it.
constexpr double kThresholdTolerance = 1e-9;

// Relative change from `before` to `after`; only called with before > 0.
double relative_change(double before, double after) {
  return (after - before) / before;
}

void compare(const RunResult& current, const RunResult& baseline, double max_regression,
             GateResult& out) {
  double base_rps = baseline.requests_per_s(), cur_rps = current.requests_per_s();
  if (base_rps > 0) {
    double change = relative_change(base_rps, cur_rps);
    if (change < -max_regression - kThresholdTolerance)
      out.regressions.push_back({current.label, "requests/s", base_rps, cur_rps, change});
  } else {
    out.notes.push_back("baseline run '" + baseline.label +
                        "' completed no requests: requests/s not compared");
  }
  if (baseline.latency.count() > 0 && current.latency.count() > 0) {
    auto base_p99 = static_cast<double>(baseline.latency.percentile(kGatedPercentile));
    auto cur_p99 = static_cast<double>(current.latency.percentile(kGatedPercentile));
    double change = base_p99 > 0 ? relative_change(base_p99, cur_p99) : 0;
    if (change > max_regression + kThresholdTolerance)
      out.regressions.push_back({current.label, "p99", base_p99, cur_p99, change});
  } else {
    const char* side = baseline.latency.count() == 0 ? "the baseline" : "this run";
    out.notes.push_back("run '" + current.label + "' recorded no latencies in " + side +
                        ": p99 not compared");
  }
}

}  // namespace

Result<GateResult> check_baseline(const std::vector<RunResult>& current,
                                  const std::vector<RunResult>& baseline, double max_regression) {
  if (!std::isfinite(max_regression) || max_regression < 0) {
    return Error("the allowed regression must be a fraction >= 0 (0.1 = 10%), got " +
                 std::to_string(max_regression));
  }
  GateResult out;
  // One run on each side: compare them whatever their labels (the URL or port may differ
  // between the machine that saved the baseline and this one).
  if (current.size() == 1 && baseline.size() == 1) {
    if (current[0].label != baseline[0].label) {
      out.notes.push_back("comparing '" + current[0].label + "' with baseline run '" +
                          baseline[0].label + "' (the only run of each)");
    }
    compare(current[0], baseline[0], max_regression, out);
    return out;
  }

  size_t matched = 0;
  std::set<std::string> matched_labels;
  for (const auto& run : current) {
    const RunResult* counterpart = nullptr;
    for (const auto& b : baseline) {
      if (b.label == run.label) {
        counterpart = &b;
        break;
      }
    }
    if (!counterpart) {
      out.notes.push_back("run '" + run.label + "' has no counterpart in the baseline");
      continue;
    }
    ++matched;
    matched_labels.insert(run.label);
    compare(run, *counterpart, max_regression, out);
  }
  for (const auto& b : baseline) {
    if (!matched_labels.count(b.label))
      out.notes.push_back("baseline run '" + b.label + "' was not run this time");
  }
  if (matched == 0) {
    Error e("no run matches the baseline by label: nothing was compared");
    for (const auto& run : current) e.note("this run: '" + run.label + "'");
    for (const auto& b : baseline) e.note("baseline run: '" + b.label + "'");
    return e;
  }
  return out;
}

}  // namespace edgectl::bench
