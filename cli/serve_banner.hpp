#pragma once
// What `edgectl serve` prints once it listens: the URL, the active profile and the routes
// (text), or one "listening" JSON line that also holds the limits in force and each
// component's guest limits (--json).
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/serve_limits.hpp"
#include "http/server.hpp"

namespace edgectl::cli {

struct Banner {
  std::string title;
  std::string url;
  std::string health_path, metrics_path;
  http::ServeLimits limits;
  std::vector<http::RouteTarget> routes;
  std::map<std::string, std::string> engines;  // component id -> engine
  nlohmann::json components;                   // id, engine and guest limits of each
};

// What the banner says of `app`, taken before the app moves into the server.
Banner make_banner(const http::App& app, const http::ServeLimits& limits);

// To stdout, flushed.
void print_banner(const Banner& banner, bool json);

}  // namespace edgectl::cli
