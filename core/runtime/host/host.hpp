#pragma once
// The `edgectl` host module (docs/host-api.md): key-value stores, outbound HTTP, logging and
// WebSocket sends for guests, implemented once here and bound by both engines by index into
// functions() — the same shape as WASI (runtime/wasi). Engines hand call() the raw
// arguments and a view of the caller's memory; call() does every bounds check (a pointer
// or length outside memory traps, naming the function and the range) and every capability
// check (stores and outbound hosts the component declared; anything else is Denied).
//
// Three layers of state:
//   Services    one per served app, shared by every thread: the stores (opened lazily,
//               once), the log sink, the WebSocket hooks, outbound HTTP settings;
//   Grants      one per component: what its manifest declares;
//   Session     one per instance (a request, a WebSocket event): open handles, the
//               request id, the connection it runs for.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kv/kv.hpp"
#include "runtime/wasi/wasi.hpp"

namespace edgectl::runtime::host {

inline constexpr std::string_view kModuleName = "edgectl";
inline constexpr int32_t kApiVersion = 1;

// What every function returns (an i32). Stable: values are part of API version 1.
enum class Code : uint32_t {
  Ok = 0,
  NotFound = 1,         // no such key
  BufferTooSmall = 2,   // the output did not fit; *len_out holds the size needed
  Denied = 3,           // a store or outbound host the component did not declare
  Invalid = 4,          // a malformed argument (bad UTF-8, a non-integer for increment, ...)
  KeyTooLarge = 5,      // key over 256 bytes
  ValueTooLarge = 6,    // value over 1 MiB
  Conflict = 7,         // compare-and-swap: the value was not the expected one
  StoreError = 8,       // the backend failed (logged for the user)
  BadHandle = 9,        // a handle that was not opened, or closed
  Timeout = 10,         // outbound HTTP took longer than its limit
  Unavailable = 11,     // no WebSocket here, a connection that is gone
  TooMany = 12,         // too many open handles
  HttpError = 13,       // outbound HTTP failed (connect, TLS, response too large)
};
std::string_view to_string(Code code);  // "ok", "not found", ...

enum class ParamType : uint8_t { I32, I64 };
struct FunctionSpec {
  std::string_view name;
  std::vector<ParamType> params;  // every function returns one i32
};
const std::vector<FunctionSpec>& functions();
std::optional<size_t> find_function(std::string_view name);
// "(i32, i32) -> i32", as wasm::FuncSignature::to_string() writes signatures.
std::string signature(const FunctionSpec& spec);

// An outbound host pattern, as Spin writes them: "https://api.example.com",
// "https://*.example.com:8443", "http://127.0.0.1:*", "*://localhost:3000".
struct HostPattern {
  std::string scheme;  // "http", "https" or "*"
  std::string host;    // "api.example.com", "*.example.com" or "*"
  std::string port;    // digits or "*" (default: the scheme's)
  std::string text;    // as written
};
std::optional<HostPattern> parse_host_pattern(std::string_view text, std::string* why = nullptr);
bool allows(const std::vector<HostPattern>& patterns, std::string_view scheme, std::string_view host, uint16_t port);

// What one component may use.
struct Grants {
  std::string component;
  std::set<std::string> stores;               // key_value_stores
  std::vector<HostPattern> outbound;          // allowed_outbound_hosts
};

enum class LogLevel : uint32_t { Trace = 0, Debug = 1, Info = 2, Warn = 3, Error = 4 };

// A log line from a guest, or from the host about a guest (a refused host, a store error).
struct LogRecord {
  LogLevel level = LogLevel::Info;
  std::string component;
  std::string request_id;
  std::string message;
  bool from_host = false;  // written by edgectl about the guest, not by the guest
};

// WebSocket operations the server provides to handlers of WebSocket routes.
struct WebSocketHooks {
  // Sends a text (binary=false) or binary message to a connection on `route`. Returns
  // false when there is no such connection (closed, or on another route).
  std::function<bool(const std::string& route, const std::string& connection, bool binary, std::string data)> send;
  std::function<bool(const std::string& route, const std::string& connection, uint16_t code)> close;
  std::function<std::vector<std::string>(const std::string& route)> connections;
};

struct ServicesOptions {
  enum class Kv { Sqlite, Memory } kv = Kv::Sqlite;
  std::filesystem::path kv_dir;  // SQLite files: kv_dir/<store>.db (default .edgectl/kv of the app)
  // A store that lives elsewhere (the runtime config's [kv.NAME], runtime_config.hpp: Redis,
  // or a backend other than serve's default); consulted before kv. A null store: use kv.
  std::function<Result<std::shared_ptr<kv::Store>>(const std::string& name)> open_store;
  std::chrono::milliseconds http_timeout{10000};
  size_t http_max_response = 8u << 20;
  std::function<void(const LogRecord&)> on_log;  // none: guest logs go to stderr
  WebSocketHooks websocket;  // or later, with Services::set_websocket (the server starts after loading)
};

class Services {
 public:
  explicit Services(ServicesOptions options)
      : options_(std::move(options)), websocket_(std::make_shared<const WebSocketHooks>(options_.websocket)) {}
  // The store `name`, opened on first use and shared afterwards.
  Result<std::shared_ptr<kv::Store>> store(const std::string& name);
  const ServicesOptions& options() const { return options_; }
  void log(const LogRecord& record) const;
  void set_websocket(WebSocketHooks hooks);
  std::shared_ptr<const WebSocketHooks> websocket() const;

 private:
  ServicesOptions options_;
  mutable std::mutex ws_mu_;
  std::shared_ptr<const WebSocketHooks> websocket_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<kv::Store>> stores_;
};

struct HttpResponse;

// One instance's host state.
struct Session {
  std::shared_ptr<Services> services;
  std::shared_ptr<const Grants> grants;
  std::string request_id;
  std::string ws_route;       // the route's path, when running for a WebSocket route
  std::string ws_connection;  // the connection the event is for
  // Open handles; index + 1 is the handle the guest sees (0 is never valid).
  std::vector<std::shared_ptr<kv::Store>> stores;
  std::vector<std::string> store_names;  // beside `stores`
  std::vector<std::shared_ptr<HttpResponse>> responses;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // the instance's, for outbound calls
};

// Calls functions()[index]. Uses wasi::CallResult: errno_value holds the Code; trap and
// trap_message for a call that cannot be answered (a pointer outside memory).
wasi::CallResult call(size_t index, Session& session, wasi::GuestMemory memory, std::span<const uint64_t> args);

}  // namespace edgectl::runtime::host
