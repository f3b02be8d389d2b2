#pragma once
// Which route serves a request path: exact routes ("/hello") and prefixes ("/api/...",
// "/..." for everything); the longest match wins, an exact route over a prefix of the same
// path. Built once from the manifest; matching allocates only the RouteMatch it returns.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/wagi.hpp"

namespace edgectl::http {

struct RouteTarget {
  std::string route;      // as written: "/api/..." or "/hello"
  std::string prefix;     // "/api", "/" for "/...", the path itself for an exact route
  bool exact = false;
  std::string component;  // a component route ...
  std::string static_dir; // ... or a static folder (absolute)
  bool websocket = false;
};

struct Routed {
  const RouteTarget* target = nullptr;
  RouteMatch match;
};

class Router {
 public:
  explicit Router(std::vector<RouteTarget> routes);
  // `raw_path` is the request-target's path (no query), not decoded. nullopt: no route (404).
  // Error: a path that does not decode (400).
  Result<std::optional<Routed>> route(std::string_view raw_path) const;
  const std::vector<RouteTarget>& routes() const { return routes_; }

 private:
  std::vector<RouteTarget> routes_;
};

}  // namespace edgectl::http
