// Route selection for `edgectl bench` inside a project (see routes.hpp).
#include "bench/routes.hpp"

#include <algorithm>

namespace edgectl::bench {
namespace {

bool benchable(const http::RouteTarget& r) {
  return !r.component.empty() && !r.websocket;
}

std::string why_skipped(const http::RouteTarget& r) {
  return "route " + r.route + (r.websocket ? " is a WebSocket route" : " serves static files") +
         ": not benched (bench it with its URL)";
}

std::string list_routes(const std::vector<http::RouteTarget>& routes) {
  std::string out;
  for (const auto& r : routes)
    if (benchable(r)) out += (out.empty() ? "" : ", ") + r.route;
  return out.empty() ? "none" : out;
}

}  // namespace

std::string request_path(const http::RouteTarget& route) {
  if (route.exact) return route.prefix;
  return route.prefix == "/" ? "/" : route.prefix + "/";
}

Result<RouteSelection> select_routes(const std::vector<http::RouteTarget>& routes,
                                     const std::vector<std::string>& wanted) {
  RouteSelection out;
  if (wanted.empty()) {
    for (const auto& r : routes) {
      if (benchable(r))
        out.routes.push_back({r.route, request_path(r), r.component});
      else
        out.skipped.push_back(why_skipped(r));
    }
    if (out.routes.empty()) return Error("the app has no component route to bench");
    return out;
  }
  const http::Router router(routes);
  for (const auto& w : wanted) {
    auto by_name =
        std::find_if(routes.begin(), routes.end(), [&](const auto& r) { return r.route == w; });
    const http::RouteTarget* target = by_name != routes.end() ? &*by_name : nullptr;
    std::string path = target ? request_path(*target) : w;
    if (!target) {
      auto routed = router.route(w);
      if (routed && *routed) target = (*routed)->target;
    }
    if (!target)
      return Error("--route " + w +
                   ": no route of the app serves it (its routes: " + list_routes(routes) + ")");
    if (!benchable(*target))
      return Error("--route " + w + ": " + why_skipped(*target) +
                   " (its component routes: " + list_routes(routes) + ")");
    out.routes.push_back({target->route, path, target->component});
  }
  return out;
}

}  // namespace edgectl::bench
