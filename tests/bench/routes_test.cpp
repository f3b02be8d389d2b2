#include <doctest/doctest.h>

#include "bench/routes.hpp"

using namespace edgectl;
using namespace edgectl::bench;

namespace {

http::RouteTarget route(std::string path, std::string prefix, bool exact, std::string component,
                        std::string static_dir = {}, bool websocket = false) {
  http::RouteTarget r;
  r.route = std::move(path);
  r.prefix = std::move(prefix);
  r.exact = exact;
  r.component = std::move(component);
  r.static_dir = std::move(static_dir);
  r.websocket = websocket;
  return r;
}

std::vector<http::RouteTarget> app_routes() {
  return {route("/hello", "/hello", true, "hello"), route("/api/...", "/api", false, "api"),
          route("/ws", "/ws", true, "chat", {}, true),
          route("/assets/...", "/assets", false, "", "/srv/public"),
          route("/...", "/", false, "site")};
}

}  // namespace

TEST_CASE("bench routes: every component route, on its request path") {
  auto s = select_routes(app_routes(), {});
  REQUIRE(s);
  REQUIRE(s->routes.size() == 3);
  CHECK(s->routes[0].path == "/hello");
  CHECK(s->routes[1].path == "/api/");
  CHECK(s->routes[1].component == "api");
  CHECK(s->routes[2].path == "/");
  REQUIRE(s->skipped.size() == 2);
  CHECK(s->skipped[0].find("/ws is a WebSocket route") != std::string::npos);
  CHECK(s->skipped[1].find("/assets/... serves static files") != std::string::npos);
}

TEST_CASE("bench routes: --route by manifest path or by request path") {
  auto s = select_routes(app_routes(), {"/api/...", "/api/items/3", "/hello"});
  REQUIRE(s);
  REQUIRE(s->routes.size() == 3);
  CHECK(s->routes[0].path == "/api/");
  CHECK(s->routes[1].path == "/api/items/3");
  CHECK(s->routes[1].route == "/api/...");
  CHECK(s->routes[2].route == "/hello");
}

TEST_CASE(
    "bench routes: --route naming nothing or a WebSocket route is an error listing the routes") {
  std::vector<http::RouteTarget> no_catch_all = app_routes();
  no_catch_all.pop_back();
  auto none = select_routes(no_catch_all, {"/nope"});
  REQUIRE_FALSE(none);
  CHECK(none.error().message().find("/hello, /api/...") != std::string::npos);
  auto ws = select_routes(app_routes(), {"/ws"});
  REQUIRE_FALSE(ws);
  CHECK(ws.error().message().find("WebSocket") != std::string::npos);
}
