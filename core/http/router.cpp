// Longest-match routing (see router.hpp).
#include "http/router.hpp"

#include <algorithm>

namespace edgectl::http {

Router::Router(std::vector<RouteTarget> routes) : routes_(std::move(routes)) {}

Result<std::optional<Routed>> Router::route(std::string_view raw_path) const {
  auto decoded = percent_decode_path(raw_path);
  if (!decoded) return std::move(decoded).error();
  const std::string& path = *decoded;
  const RouteTarget* best = nullptr;
  size_t best_score = 0;
  for (const auto& r : routes_) {
    size_t score = 0;
    if (r.exact) {
      if (path != r.prefix) continue;
      score = 2 * r.prefix.size() + 2;  // beats a prefix route spelling the same path
    } else if (r.prefix == "/") {
      score = 1;
    } else if (path == r.prefix || (path.starts_with(r.prefix) && path[r.prefix.size()] == '/')) {
      score = 2 * r.prefix.size() + 1;
    } else {
      continue;
    }
    if (!best || score > best_score) {
      best = &r;
      best_score = score;
    }
  }
  if (!best) return std::optional<Routed>{};
  Routed out;
  out.target = best;
  out.match.route = best->route;
  if (best->exact) {
    out.match.script_name = best->prefix;
  } else {
    out.match.script_name = best->prefix == "/" ? "" : best->prefix;
    out.match.path_info = path.substr(out.match.script_name.size());
    // The raw form: the same number of path segments cut from the undecoded path.
    size_t cut = 0;
    if (!out.match.script_name.empty()) {
      size_t segments = std::count(out.match.script_name.begin(), out.match.script_name.end(), '/');
      size_t seen = 0;
      for (cut = 0; cut < raw_path.size(); ++cut)
        if (raw_path[cut] == '/' && ++seen > segments) break;
    }
    out.match.raw_path_info = std::string(raw_path.substr(std::min(cut, raw_path.size())));
  }
  return std::optional<Routed>{std::move(out)};
}

}  // namespace edgectl::http
