#pragma once
// WebSocket load (issue 6): open many client connections, hold them, optionally send
// messages at a constant rate, and count what happened to each. Like http_load: a few
// threads, each with its own event loop (Asio) and its share of the connections.
//   - Open: every connection tries once (no retry). Handshakes are started in batches (at
//     most max_in_flight at a time, over all threads) so a large -c does not overflow the
//     server's listen backlog. Connect time: TCP connect until the 101 is parsed.
//   - Hold: starts when every connection has opened or failed, lasts `hold`. Pings are
//     answered. With `rate`, each open connection sends `message` at rate/opened per
//     second; a message's round trip ends at the next message received on its connection
//     (an echo server), measured from when it was due.
//   - A connection that ends during the hold is dropped, counted by why (ws_result.hpp).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bench/http_load.hpp"
#include "bench/ws_result.hpp"
#include "util/error.hpp"

namespace edgectl::bench {

struct WsProgress {
  uint64_t opened = 0, failed = 0, dropped = 0;
  uint64_t sent = 0, received = 0;
  bool holding = false;  // the open phase is over
};

struct WsLoadOptions {
  std::string url;  // ws://HOST[:PORT]/PATH
  uint32_t connections = 10;
  uint32_t threads = 2;
  std::chrono::nanoseconds hold{std::chrono::seconds(10)};
  std::optional<double> rate;  // messages per second over all connections; none: no messages
  std::string message = "ping";
  std::chrono::nanoseconds timeout{std::chrono::seconds(10)};  // connect + handshake
  uint32_t max_in_flight = 256;  // handshakes under way at once, over all threads
  std::function<void(const WsProgress&)> on_progress;  // from the calling thread
  std::chrono::milliseconds progress_interval{1000};
  const std::atomic<bool>* stop = nullptr;  // set (SIGINT): the hold ends now
};

// Parses ws://HOST[:PORT]/PATH (port 80 by default). Error for wss:// (not supported), any
// other scheme, or a bad host or port.
Result<ParsedUrl> parse_ws_url(std::string_view url);

// Raises this process's open-file soft limit to its hard limit and checks that
// `connections` sockets fit. Error: they do not (says the limit and how to raise it).
Status ensure_open_files(uint32_t connections);

// Runs the load. Error: bad options, a host that does not resolve, or too few open files;
// connections that fail are counted in the result, not errors of the run.
Result<WsResult> run_ws_load(const WsLoadOptions& options);

}  // namespace edgectl::bench
