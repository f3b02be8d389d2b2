// [[route]]: which requests reach which component (or static folder), and canary splits.
// Whether a named component exists is checked later, once every component has been read.
#include <cstdio>

#include "manifest/detail/sections.hpp"
#include "manifest/detail/values.hpp"

namespace edgectl::manifest::detail {
namespace {

constexpr double kMaxWeightPercent = 100.0;

// 5 -> "5", 2.5 -> "2.5": as the user most likely wrote it.
std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

CanaryRule read_canary(const Context& cx, const toml::table& table) {
  TableReader r(cx, table, "in the canary rule", {"component", "header", "weight", "sticky"});
  CanaryRule canary;
  canary.where = r.where();
  if (auto component = r.string("component", Presence::Required))
    canary.component = std::move(*component);
  if (auto header = r.string("header")) {
    if (auto match = parse_header_match(header->value)) {
      canary.header_name = std::move(match->name);
      canary.header_value = std::move(match->value);
    } else {
      cx.error(header->where, match.error());
    }
  }
  if (auto weight = r.number("weight")) {
    if (weight->value > 0 && weight->value <= kMaxWeightPercent)
      canary.weight = std::move(*weight);
    else
      cx.error(weight->where, "canary weight is a percentage: more than 0 and at most 100, found " +
                                  format_number(weight->value));
  }
  if (auto sticky = r.string("sticky")) {
    if (auto rule = parse_sticky(sticky->value))
      canary.sticky = std::move(*rule);
    else
      cx.error(sticky->where, rule.error());
  }
  if (!r.has("header") && !r.has("weight"))
    cx.error(
        canary.where, "a canary rule needs 'header', 'weight' or both",
        {"e.g. canary = { component = \"app-v2\", header = \"x-env: canary\" } or weight = 5"});
  if (r.has("sticky") && !r.has("weight"))
    cx.error(r.key_at("sticky"),
             "'sticky' keeps each client on one side of a weight split, so it needs 'weight'");
  return canary;
}

}  // namespace

Route read_route(const Context& cx, const toml::table& table) {
  TableReader r(cx, table, "in [[route]]", {"path", "component", "static", "websocket", "canary"});
  Route route;
  route.where = r.where();
  bool path_valid = false;
  if (auto path = r.string("path", Presence::Required)) {
    if (auto parsed = parse_route_path(path->value)) {
      route.prefix = std::move(parsed->prefix);
      route.match = parsed->match;
      path_valid = true;
    } else {
      cx.error(path->where, parsed.error());
    }
    route.path = std::move(*path);
  }
  route.component = r.string("component");
  route.static_dir = r.string("static");
  if (route.static_dir && route.static_dir->value.empty()) {
    cx.error(route.static_dir->where, "'static' must not be empty",
             {"use \".\" for the project folder"});
  }

  if (r.has("component") && r.has("static")) {
    cx.error(r.key_at("static"), "a route serves either a component or a static folder, not both");
  } else if (!r.has("component") && !r.has("static")) {
    cx.error(route.where, "a route needs 'component' or 'static'");
  } else if (route.static_dir && path_valid && route.match == RouteMatch::Exact) {
    // A folder is served under a prefix; an exact path would leave no room for file names.
    const std::string& p = route.path.value;
    cx.error(route.path.where, "a static route needs a prefix path",
             {"try '" + p + (p.ends_with('/') ? "...'" : "/...'")});
  }

  if (auto websocket = r.boolean("websocket")) {
    route.websocket = websocket->value;
    if (route.websocket && r.has("static"))
      cx.error(websocket->where, "a websocket route needs a component, not a static folder");
  }
  if (const auto* canary = r.table("canary")) {
    route.canary = read_canary(cx, *canary);
    if (r.has("static"))
      cx.error(r.key_at("canary"), "a canary rule applies to component routes only");
  }
  return route;
}

}  // namespace edgectl::manifest::detail
