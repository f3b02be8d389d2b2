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
#include "runtime/host/host.hpp"
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
  // The edgectl host module: the app's services and what this component may use of them.
  std::shared_ptr<runtime::host::Services> services;
  std::shared_ptr<const runtime::host::Grants> grants;
  bool imports_host_api = false;  // the module imports from `edgectl`: it gets a session
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

// WebSocket events (docs/contract.md, "WebSocket"): a fresh instance per event, with the
// upgrade request's CGI environment plus WS_EVENT, WS_CONNECTION_ID and WS_MESSAGE_TYPE, the
// message on stdin. On success Execution::response.body is the guest's stdout as it is: the
// message to send back (nothing when empty). A failure is a 500/504 as for a request.
enum class WsEvent { Open, Message, Close };
std::string_view to_string(WsEvent event);

struct WsEventInput {
  WsEvent event = WsEvent::Message;
  std::string_view connection_id;
  bool binary = false;
  std::string_view payload;  // the message; empty for open and close
};

Execution execute_ws_event(const Component& component, const Request& upgrade, const RouteMatch& match,
                           std::string_view event_id, const WsEventInput& event);

}  // namespace edgectl::http
