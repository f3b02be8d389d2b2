#pragma once
// The server-limit flags of `edgectl serve` (--max-body, --header-timeout, --ws-*,
// --profile, ...), the command-line layer over the manifest's [serve]
// (http::merge_limits). Values are checked while parsing against the ranges [serve] accepts,
// so a bad one is a usage error (exit 2) naming the flag.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "http/serve_limits.hpp"

namespace edgectl::cli {

struct ServeLimitFlags {
  std::string max_header, max_body;          // SIZE; empty: not given
  std::string header_timeout, idle_timeout;  // DUR
  std::optional<uint32_t> max_concurrent;
  std::string ws_max_message, ws_max_send_queue;
  std::string ws_ping_interval, ws_pong_timeout, ws_idle_timeout;
  std::optional<uint64_t> ws_max_connections;
  std::string profile;  // "cloudflare", "fastly"; empty: the manifest's, if any

  void add_to(CLI::App& cmd);
  // What the flags given set (they were validated by add_to's checks).
  http::LimitSettings to_settings() const;
};

}  // namespace edgectl::cli
