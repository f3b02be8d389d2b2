#pragma once
// HTTP/1.1 keep-alive load (issue 6). A few threads, each with its own event loop (Asio)
// driving many connections: no thread per connection. Every request a connection starts
// ends exactly once, as a response (any status) or as an error of one kind.
//   - Closed loop (no rate): each connection sends its next request when the last response
//     is in. Latency: from the send to the end of the response.
//   - Open loop (`rate`): requests are due at a constant rate, spread over the connections;
//     a connection still busy when its next request is due sends it late, and the latency
//     counts from when it was due (coordinated omission corrected, as wrk2 does).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/result.hpp"
#include "util/error.hpp"

namespace edgectl::bench {

struct Progress {
  double elapsed_s = 0;  // of the measured period (negative while warming up)
  uint64_t requests = 0, errors = 0;
  double requests_per_s = 0;  // over the last interval
};

struct HttpLoadOptions {
  std::string url;  // http://HOST[:PORT]/PATH[?QUERY]
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint32_t connections = 10;
  uint32_t threads = 2;
  // How much: a duration or a number of requests (exactly one of the two).
  std::optional<std::chrono::nanoseconds> duration;
  std::optional<uint64_t> requests;
  std::optional<double> rate;  // requests per second, open loop
  std::chrono::nanoseconds warmup{0};
  std::chrono::nanoseconds timeout{std::chrono::seconds(10)};  // per request
  std::string label;  // RunResult::label; default "METHOD URL"
  // Called about every progress_interval from the calling thread while the load runs.
  std::function<void(const Progress&)> on_progress;
  std::chrono::milliseconds progress_interval{1000};
  // Set to stop early (SIGINT): the run ends as if its time were up.
  const std::atomic<bool>* stop = nullptr;
};

// Parses an http:// URL into host, port (default 80) and target ("/" when empty). Error
// for another scheme (https is not supported yet), a missing host or a bad port.
struct ParsedUrl {
  std::string host;
  uint16_t port = 80;
  std::string target;
};
Result<ParsedUrl> parse_url(std::string_view url);

// Runs the load and returns what it measured. Error: a bad URL or options, or a host that
// does not resolve (failed connections are counted, not errors of the run).
Result<RunResult> run_http_load(const HttpLoadOptions& options);

}  // namespace edgectl::bench
