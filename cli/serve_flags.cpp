#include "serve_flags.hpp"

#include <limits>

#include "manifest/manifest.hpp"
#include "util/units.hpp"

namespace edgectl::cli {
namespace {

using manifest::kMaxConcurrentInstances;
using manifest::kMaxGuestPayloadBytes;
using manifest::kMaxHeadBytes;
using manifest::kMaxWebSocketConnections;
using manifest::kMinHeadBytes;
using manifest::kMinHeartbeat;
using manifest::kMinServeDuration;

CLI::Validator size_between(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        auto size = parse_byte_size(text);
        if (!size) return "not a size (e.g. 16KiB, 1MiB, 1048576)";
        if (size->bytes < min || size->bytes > max)
          return "must be between " + format_byte_size({min}) + " and " + format_byte_size({max});
        return "";
      },
      "");  // unnamed: the help shows type_name() alone
}

CLI::Validator duration_at_least(Duration min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        auto d = parse_duration(text);
        if (!d) return "not a duration (e.g. 250ms, 5s, 2m)";
        if (*d < min) return "must be at least " + format_duration(min);
        return "";
      },
      "");
}

std::optional<uint64_t> bytes(const std::string& text) {
  if (auto size = parse_byte_size(text)) return size->bytes;
  return std::nullopt;
}

}  // namespace

void ServeLimitFlags::add_to(CLI::App& cmd) {
  const http::ServerLimits server;
  const http::WebSocketLimits ws;
  cmd.add_option("--max-header", max_header, "Largest request head (431 beyond)")
      ->check(size_between(kMinHeadBytes, kMaxHeadBytes))
      ->type_name("SIZE")
      ->default_str(format_byte_size({server.max_header_bytes}));
  cmd.add_option("--max-body", max_body, "Largest request body (413 beyond)")
      ->check(size_between(1, kMaxGuestPayloadBytes))
      ->type_name("SIZE")
      ->default_str(format_byte_size({server.max_body_bytes}));
  cmd.add_option("--header-timeout", header_timeout,
                 "Time to receive a request's head; the connection is closed after it")
      ->check(duration_at_least(kMinServeDuration))
      ->type_name("DUR")
      ->default_str(format_duration(server.header_timeout));
  cmd.add_option("--idle-timeout", idle_timeout,
                 "An idle keep-alive connection is closed after this")
      ->check(duration_at_least(kMinServeDuration))
      ->type_name("DUR")
      ->default_str(format_duration(server.idle_timeout));
  cmd.add_option("--max-concurrent", max_concurrent,
                 "Guest instances running at once per component (503 beyond)")
      ->check(CLI::Range(uint32_t{1}, kMaxConcurrentInstances).description(""))
      ->type_name("N")
      ->default_str(std::to_string(server.max_concurrent_per_component));
  cmd.add_option("--ws-max-message", ws_max_message,
                 "Largest WebSocket message (the connection is closed with 1009 beyond)")
      ->check(size_between(1, kMaxGuestPayloadBytes))
      ->type_name("SIZE")
      ->default_str(format_byte_size({ws.max_message_bytes}));
  cmd.add_option("--ws-max-send-queue", ws_max_send_queue,
                 "Bytes waiting to be sent to one WebSocket client (closed with 1008 beyond)")
      ->check(size_between(1, std::numeric_limits<uint64_t>::max()))
      ->type_name("SIZE")
      ->default_str(format_byte_size({ws.max_send_queue_bytes}));
  cmd.add_option("--ws-ping-interval", ws_ping_interval, "Ping a WebSocket client silent this long")
      ->check(duration_at_least(kMinHeartbeat))
      ->type_name("DUR")
      ->default_str(format_duration(ws.ping_interval));
  cmd.add_option("--ws-pong-timeout", ws_pong_timeout,
                 "Close a WebSocket client that does not answer a ping within this (4001)")
      ->check(duration_at_least(kMinHeartbeat))
      ->type_name("DUR")
      ->default_str(format_duration(ws.pong_timeout));
  cmd.add_option("--ws-idle-timeout", ws_idle_timeout,
                 "Close a WebSocket with no message either way for this long (1001)")
      ->check(duration_at_least(kMinServeDuration))
      ->type_name("DUR")
      ->default_str(format_duration(ws.idle_timeout));
  cmd.add_option("--ws-max-connections", ws_max_connections,
                 "Open WebSocket connections (a further upgrade gets 503)")
      ->check(CLI::Range(uint64_t{1}, kMaxWebSocketConnections).description(""))
      ->type_name("N")
      ->default_str(std::to_string(ws.max_connections));
  cmd.add_option("--profile", profile,
                 "Apply an edge platform's published limits, to hit them here before deploying")
      ->check(CLI::IsMember(manifest::platform_names()))
      ->type_name("NAME");
}

http::LimitSettings ServeLimitFlags::to_settings() const {
  http::LimitSettings s;
  s.profile = manifest::parse_platform(profile);
  s.max_header_bytes = bytes(max_header);
  s.max_body_bytes = bytes(max_body);
  s.header_timeout = parse_duration(header_timeout);
  s.idle_timeout = parse_duration(idle_timeout);
  s.max_concurrent = max_concurrent;
  s.queue_wait = std::nullopt;  // no flag: [serve] queue_wait or the default
  s.ws_max_message_bytes = bytes(ws_max_message);
  s.ws_max_send_queue_bytes = bytes(ws_max_send_queue);
  s.ws_ping_interval = parse_duration(ws_ping_interval);
  s.ws_pong_timeout = parse_duration(ws_pong_timeout);
  s.ws_idle_timeout = parse_duration(ws_idle_timeout);
  s.ws_max_connections = ws_max_connections;
  return s;
}

}  // namespace edgectl::cli
