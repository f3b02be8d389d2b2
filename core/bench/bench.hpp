#pragma once
// edgectl bench: a load generator and cold-start profiler for edge functions (issue 6).
//   - histogram.hpp: a log-linear (HDR-style) latency histogram with a documented precision.
//   - http_load.hpp: closed-loop and open-loop (--rate, coordinated omission corrected) HTTP/1.1
//     keep-alive load on Asio, a few threads, many connections each.
//   - result.hpp: what a run measured (RunResult) and its JSON form (docs/bench.md, schema
//     "edgectl-bench/v1"); the baseline gate compares two results.
//   - html.hpp: a self-contained HTML report (inline SVG) of one or two results.
// Types here are plain std types: only http_load.cpp includes Boost.
#include "bench/histogram.hpp"
#include "bench/result.hpp"
