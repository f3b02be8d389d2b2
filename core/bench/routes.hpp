#pragma once
// Which request paths `edgectl bench` loads inside a project: one per component route of the
// app (static and WebSocket routes are not benched), or the routes --route picks.
#include <string>
#include <vector>

#include "http/router.hpp"
#include "util/error.hpp"

namespace edgectl::bench {

struct BenchRoute {
  std::string route;      // as written in the manifest: "/hello", "/api/..."
  std::string path;       // the request path to load: "/hello", "/api/", "/"
  std::string component;  // the component that serves it
};

struct RouteSelection {
  std::vector<BenchRoute> routes;
  std::vector<std::string> skipped;  // one note per route left out, saying why
};

// The path a route is loaded on: an exact route's own path, a prefix route's prefix with a
// trailing slash ("/api/..." → "/api/", "/..." → "/").
std::string request_path(const http::RouteTarget& route);

// Every component route when `wanted` is empty; else each wanted entry, matched first by the
// manifest's route ("/api/...") and then as a request path ("/api/items": the route serving
// it, loaded on that path). Error: an entry that names no component route (listing them).
Result<RouteSelection> select_routes(const std::vector<http::RouteTarget>& routes,
                                     const std::vector<std::string>& wanted);

}  // namespace edgectl::bench
