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

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of cookie `name` in a Cookie header, if there.
std::optional<std::string_view> cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return std::nullopt;
}

// FNV-1a: a stable bucket for a sticky key (not security-relevant; std::hash may differ
// between builds, and stickiness should survive a restart).
double bucket(std::string_view key) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<double>(h % 10000) / 100.0;
}

}  // namespace

const std::string& choose_component(const RouteTarget& target,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    double roll, bool* canary) {
  *canary = false;
  if (!target.canary) return target.component;
  const Canary& c = *target.canary;
  if (!c.header_name.empty())
    for (const auto& [k, v] : headers)
      if (iequal(k, c.header_name) && trim(v) == c.header_value) {
        *canary = true;
        return c.component;
      }
  if (c.weight <= 0) return target.component;
  double point = roll;
  if (!c.sticky_cookie.empty() || !c.sticky_header.empty()) {
    std::optional<std::string_view> key;
    for (const auto& [k, v] : headers) {
      if (!c.sticky_header.empty() && iequal(k, c.sticky_header)) key = v;
      if (!c.sticky_cookie.empty() && iequal(k, "cookie"))
        if (auto value = cookie(v, c.sticky_cookie)) key = value;
    }
    if (key) point = bucket(*key);  // without the key: a random side, like an unsticky weight
  }
  *canary = point < c.weight;
  return *canary ? c.component : target.component;
}

}  // namespace edgectl::http
