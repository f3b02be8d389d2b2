#pragma once
// What a bench run measured, and its JSON form (schema "edgectl-bench/v1", documented in
// docs/bench.md): a document holds one or more runs (one per URL, or per route and engine
// inside a project). The baseline gate compares a run against a saved document.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/histogram.hpp"
#include "util/error.hpp"

namespace edgectl::bench {

inline constexpr const char* kSchema = "edgectl-bench/v1";

// Errors by kind; a request that fails counts once, under the first that applies.
struct ErrorCounts {
  uint64_t connect = 0;   // the connection could not be made (refused, unreachable, DNS)
  uint64_t timeout = 0;   // no complete response within the request timeout
  uint64_t reset = 0;     // the connection was reset or closed before the response ended
  uint64_t protocol = 0;  // the response could not be parsed as HTTP/1.1
  uint64_t total() const { return connect + timeout + reset + protocol; }
};

// One second of the measured period.
struct TimelinePoint {
  double t = 0;           // seconds since the measured period began (end of the interval)
  uint64_t requests = 0;  // completed in the interval (any status)
  uint64_t errors = 0;
  uint64_t p99_ns = 0;    // of the interval's latencies
};

struct RunConfig {
  std::string url;
  std::string method = "GET";
  uint32_t connections = 0;
  uint32_t threads = 0;
  std::optional<double> duration_s;  // -d ...
  std::optional<uint64_t> requests;  // ... or -n
  std::optional<double> rate;        // requests/s (open loop); nullopt: closed loop
  double warmup_s = 0;
  double timeout_s = 0;
};

struct RunResult {
  std::string label;  // "GET http://127.0.0.1:3000/hello", or the route and engine in a project
  RunConfig config;
  double elapsed_s = 0;       // the measured period
  uint64_t requests = 0;      // completed requests (any status), not errors
  uint64_t bytes = 0;         // response bytes received (headers and body)
  std::map<int, uint64_t> status;  // responses by status code
  ErrorCounts errors;
  Histogram latency;          // ns; from the intended send time when rate is set
  bool corrected = false;     // latency measured from the intended send time (open loop)
  std::vector<TimelinePoint> timeline;
  // Process CPU time spent by the load generator during the measured period.
  double cpu_s = 0;

  double requests_per_s() const { return elapsed_s > 0 ? requests / elapsed_s : 0; }
  double bytes_per_s() const { return elapsed_s > 0 ? bytes / elapsed_s : 0; }
};

// The JSON document: {"schema", "tool", "runs": [...]}, stable key order (docs/bench.md).
nlohmann::ordered_json to_json(const std::vector<RunResult>& runs);
// Reads a document written by to_json (Error names what is missing or malformed).
Result<std::vector<RunResult>> from_json(const nlohmann::json& document);

// The baseline gate: each run of `current` against the run with the same label in
// `baseline` (or the only one when both have one). A regression is throughput lower, or
// p99 higher, by more than `max_regression` (0.10 = 10%). Each finding names the run, the
// figure, both values and the change.
struct Regression {
  std::string label;
  std::string figure;  // "requests/s" or "p99"
  double baseline = 0, current = 0;  // requests/s, or nanoseconds for p99
  double change = 0;   // relative: -0.15 = 15% fewer requests/s; +0.2 = p99 20% higher
};
struct GateResult {
  std::vector<Regression> regressions;
  std::vector<std::string> notes;  // runs with no counterpart, and so on
  bool passed() const { return regressions.empty(); }
};
Result<GateResult> check_baseline(const std::vector<RunResult>& current,
                                  const std::vector<RunResult>& baseline, double max_regression);

}  // namespace edgectl::bench
