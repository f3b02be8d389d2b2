#pragma once
// The limits `edgectl serve` starts the server with. Each source says only what it sets
// (LimitSettings), and they are layered over the built-in defaults of ServerLimits and
// WebSocketLimits: built-in < profile < the manifest's [serve] < the command line.
#include <cstdint>
#include <optional>

#include "http/profile.hpp"
#include "http/server.hpp"
#include "manifest/manifest.hpp"

namespace edgectl::http {

struct LimitSettings {
  std::optional<manifest::Platform> profile;
  std::optional<uint64_t> max_header_bytes;
  std::optional<uint64_t> max_body_bytes;
  std::optional<Duration> header_timeout;
  std::optional<Duration> idle_timeout;
  std::optional<uint32_t> max_concurrent;  // per component, unless it sets its own
  std::optional<Duration> queue_wait;
  std::optional<uint64_t> ws_max_message_bytes;
  std::optional<uint64_t> ws_max_send_queue_bytes;
  std::optional<Duration> ws_ping_interval;
  std::optional<Duration> ws_pong_timeout;
  std::optional<Duration> ws_idle_timeout;
  std::optional<uint64_t> ws_max_connections;

  friend bool operator==(const LimitSettings&, const LimitSettings&) = default;
};

// What a manifest's [serve] sets.
LimitSettings limit_settings(const manifest::ServeSettings& serve);

struct ServeLimits {
  const PlatformProfile* profile = nullptr;  // the active profile, if any
  ServerLimits server;
  WebSocketLimits websocket;
};

// built-in defaults < profile (the command line's, else the manifest's) < manifest < command line
ServeLimits merge_limits(const LimitSettings& manifest, const LimitSettings& command_line);

}  // namespace edgectl::http
