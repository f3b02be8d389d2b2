#pragma once
// The HTTP server behind `edgectl serve`: HTTP/1.1 with keep-alive on Boost.Beast/Asio (only
// server.cpp includes Beast: it compiles slowly). I/O runs on a few threads; guests run on a
// separate pool of worker threads, so a slow or looping guest never stalls other
// connections. Every limit is a named field with its default here.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/executor.hpp"
#include "http/router.hpp"
#include "runtime/host/host.hpp"
#include "util/error.hpp"

namespace edgectl::http {

struct ServerLimits {
  // Request line + headers. Over it: 431.
  size_t max_header_bytes = 16 * 1024;
  // Request body. Over it: 413 (a Content-Length over it is refused before reading).
  size_t max_body_bytes = 10 * 1024 * 1024;
  // Time to receive a request's headers (slowloris): the connection is closed.
  std::chrono::milliseconds header_timeout{10'000};
  // An idle keep-alive connection is closed after this.
  std::chrono::milliseconds idle_timeout{60'000};
  // Guest instances running at once per component. A request over it waits up to
  // queue_wait for a free one, then gets 503 with Retry-After.
  size_t max_concurrent_per_component = 64;
  std::chrono::milliseconds queue_wait{100};
};

// WebSocket routes (docs/contract.md): the server owns the connection.
struct WebSocketLimits {
  // A message (all its frames) larger than this closes the connection with 1009.
  size_t max_message_bytes = 1024 * 1024;
  // Messages waiting to be sent to one connection. A reader that falls this far behind is
  // closed with 1008 instead of the server buffering without bound.
  size_t max_send_queue_bytes = 1024 * 1024;
  // A ping goes out when nothing was heard from the client for this long; a client that
  // has not answered (with anything) pong_timeout later is closed with 4001.
  std::chrono::milliseconds ping_interval{15'000};
  std::chrono::milliseconds pong_timeout{10'000};
  // No message either way for this long: closed with 1001 (heartbeats do not count).
  std::chrono::milliseconds idle_timeout{300'000};
  // Open connections over all WebSocket routes; a further upgrade gets 503.
  size_t max_connections = 10'000;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;  // 0: any free port (port() says which)
  size_t io_threads = 0;      // 0: one per core, plus one (quick guests run on all but one)
  size_t worker_threads = 0;  // guest threads; 0: two per core
  ServerLimits limits;
  WebSocketLimits websocket;
  std::string health_path = "/_edgectl/health";
  std::string metrics_path = "/_edgectl/metrics";
  // One line per request (JSON when json_log), from any thread.
  std::function<void(std::string_view)> on_log;
  bool json_log = false;
};

struct App {
  std::vector<Component> components;  // route targets name them by id
  std::vector<RouteTarget> routes;
};

class Server {
 public:
  // Binds and starts serving. Error: the address cannot be bound (in use, no permission).
  static Result<std::unique_ptr<Server>> start(App app, ServerOptions options);
  virtual ~Server() = default;
  virtual uint16_t port() const = 0;
  // Serves `app` from now on; requests in flight finish on what they started with.
  virtual void reload(App app) = 0;
  // Stops accepting, lets requests in flight finish (at most `grace`), then returns.
  virtual void stop(std::chrono::milliseconds grace) = 0;
  // Blocks until stop() has completed.
  virtual void wait() = 0;
  // What the edgectl host module's ws_* functions call (docs/host-api.md): send to, close
  // and list the open connections of a WebSocket route. Valid while the server lives.
  virtual runtime::host::WebSocketHooks websocket_hooks() = 0;
};

}  // namespace edgectl::http
