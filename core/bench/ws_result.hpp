#pragma once
// What a WebSocket load run measured (ws_load.hpp), and its JSON form: the `ws` key of an
// edgectl-bench/v1 document (docs/bench.md, "WebSocket load").
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/histogram.hpp"

namespace edgectl::bench {

// Why connections did not open; each failed connection counts once.
struct WsOpenFailures {
  uint64_t connect = 0;            // the TCP connection could not be made
  uint64_t timeout = 0;            // connect + handshake took longer than the timeout
  uint64_t reset = 0;              // closed or reset by the server before a handshake response
  uint64_t protocol = 0;           // a response that is not a valid upgrade (bad headers, bad HTTP)
  std::map<int, uint64_t> status;  // the server answered the upgrade with this status (503...)
  uint64_t total() const;
};

// Why open connections ended before the hold did; each counts once.
struct WsDrops {
  std::map<int, uint64_t> close;  // a close frame from the server, by code (1005: no code)
  uint64_t eof = 0;               // the TCP connection ended without a close frame
  uint64_t reset = 0;             // a socket error (connection reset, broken pipe)
  uint64_t protocol = 0;          // the server broke RFC 6455 (a bad frame)
  uint64_t total() const;
};

struct WsResult {
  std::string url;
  uint32_t connections = 0;  // asked for
  uint32_t threads = 0;
  double hold_s = 0;           // asked for
  std::optional<double> rate;  // messages per second in all
  std::string message;         // sent with a rate
  uint64_t opened = 0;
  WsOpenFailures failed;
  WsDrops dropped;
  Histogram connect;  // ns: TCP connect until the 101 is parsed
  double open_s = 0;  // how long opening took, first connect to last result
  double held_s = 0;  // how long the hold lasted
  uint64_t messages_sent = 0, messages_received = 0;
  Histogram round_trip;  // ns: from when a message was due to the next one in
};

// {"url", "connections", ..., "connect": {percentiles, histogram}, ...} (docs/bench.md).
nlohmann::ordered_json to_json(const WsResult& result);

}  // namespace edgectl::bench
