#pragma once
// The WAGI executor: one fresh instance per request (docs/contract.md). Builds the guest's
// WASI context (argv, the CGI environment, the body on stdin, stdout and stderr captured),
// runs _start under the component's limits and turns the outcome into a response:
// exit 0 → the parsed CGI response; a non-zero exit, a trap or a bad CGI header → 500;
// the time limit → 504. Knows nothing of sockets.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/wagi.hpp"
#include "runtime/runtime.hpp"

namespace edgectl::http {

struct Component {
  std::string id;
  std::shared_ptr<const runtime::Module> module;
  std::map<std::string, std::string> env;
  std::vector<std::string> args;
  std::vector<runtime::wasi::Preopen> preopens;
  runtime::Limits limits;
  std::optional<size_t> max_concurrent;  // else ServerLimits::max_concurrent_per_component
};

struct Execution {
  Response response;
  std::string engine;        // which engine ran the guest
  std::string failure;       // why the response is a 500/504, for the log ("" when fine)
  std::string guest_stderr;  // bounded
  std::chrono::nanoseconds instantiate_time{0};
  std::chrono::nanoseconds guest_time{0};
  bool trapped = false;
  bool timed_out = false;
};

// At most this much of a guest's stderr is kept for the log.
inline constexpr size_t kMaxLoggedStderr = 4096;
// A guest's stdout beyond this is a 500 ("response too large"): the body is buffered.
inline constexpr size_t kMaxResponseBytes = 64 * 1024 * 1024;

Execution execute(const Component& component, const Request& request, const RouteMatch& match,
                  std::string_view request_id);

}  // namespace edgectl::http
