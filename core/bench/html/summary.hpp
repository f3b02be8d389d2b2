#pragma once
// The report's summary table: what a run measured, or a run (A) and its counterpart (B)
// side by side with the relative change.
//
// Each figure's cell has an id, "<figure>-<index>" for A or a run alone, "<figure>-<index>-b"
// for B and "<figure>-<index>-change" for the change, with <figure> one of: url, load,
// elapsed, requests, rps, bytes, bytes-per-s, errors-connect, errors-timeout, errors-reset,
// errors-protocol, errors-total, status-<code>, min, mean, stdev, p50, p90, p99, p99_9,
// p99_99, max, cpu-per-request. Latencies are in ms (format_ms), rates as format_rate.
#include <cstddef>
#include <string>

#include "bench/result.hpp"

namespace edgectl::bench::html {

// `a` or `b` may be null (a run with no counterpart); `compare` adds the B and change columns.
std::string summary_table(const RunResult* a, const RunResult* b, bool compare, size_t index,
                          const std::string& color_a, const std::string& color_b);

}  // namespace edgectl::bench::html
