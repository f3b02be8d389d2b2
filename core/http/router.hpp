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

// Sends part of a route's traffic to another component: requests whose header matches, then
// `weight` percent of the rest (the same client always on the same side when `sticky`
// names a cookie or header to hash).
struct Canary {
  std::string component;
  std::string header_name;   // lowercased; empty: no header rule
  std::string header_value;
  double weight = 0;         // percent, 0 < weight <= 100; 0: no weight rule
  std::string sticky_cookie, sticky_header;  // at most one set (header name lowercased)
};

struct RouteTarget {
  std::string route;      // as written: "/api/..." or "/hello"
  std::string prefix;     // "/api", "/" for "/...", the path itself for an exact route
  bool exact = false;
  std::string component;  // a component route ...
  std::string static_dir; // ... or a static folder (absolute)
  bool websocket = false;
  std::optional<Canary> canary;
};

// Which component serves a request on `target`: the route's, or its canary's. `headers` as
// received; `roll` a uniform number in [0, 100) for unsticky weights. Sets *canary when
// the canary was chosen.
const std::string& choose_component(const RouteTarget& target,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    double roll, bool* canary);

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
