// Router: exact and prefix routes, longest match, SCRIPT_NAME/PATH_INFO, decoding.
#include "http/router.hpp"
#include "support.hpp"

namespace edgectl::http {
namespace {

RouteTarget prefix(std::string route, std::string p, std::string component) {
  RouteTarget t;
  t.route = std::move(route);
  t.prefix = std::move(p);
  t.component = std::move(component);
  return t;
}
RouteTarget exact(std::string path, std::string component) {
  RouteTarget t;
  t.route = path;
  t.prefix = std::move(path);
  t.exact = true;
  t.component = std::move(component);
  return t;
}

std::string routed_to(const Router& r, std::string_view path) {
  auto m = r.route(path);
  REQUIRE(m.ok());
  return *m ? (*m)->target->component : "404";
}

TEST_CASE("router: the longest match wins, an exact route over a prefix of the same path") {
  Router r({prefix("/...", "/", "root"), prefix("/api/...", "/api", "api"),
            prefix("/api/v2/...", "/api/v2", "v2"), exact("/api/v2", "v2-exact"), exact("/hello", "hello")});
  CHECK(routed_to(r, "/") == "root");
  CHECK(routed_to(r, "/anything/else") == "root");
  CHECK(routed_to(r, "/api") == "api");
  CHECK(routed_to(r, "/api/items") == "api");
  CHECK(routed_to(r, "/apix") == "root");  // a prefix matches whole segments only
  CHECK(routed_to(r, "/api/v2/x") == "v2");
  CHECK(routed_to(r, "/api/v2") == "v2-exact");
  CHECK(routed_to(r, "/hello") == "hello");
  CHECK(routed_to(r, "/hello/") == "root");
}

TEST_CASE("router: no route is a 404, and SCRIPT_NAME and PATH_INFO split the path") {
  Router r({prefix("/api/...", "/api", "api"), exact("/x", "x")});
  CHECK(routed_to(r, "/other") == "404");
  auto m = r.route("/api/a%20b/c");
  REQUIRE(m.ok());
  REQUIRE(*m);
  CHECK((*m)->match.route == "/api/...");
  CHECK((*m)->match.script_name == "/api");
  CHECK((*m)->match.path_info == "/a b/c");
  CHECK((*m)->match.raw_path_info == "/a%20b/c");
  auto e = r.route("/x");
  REQUIRE(e.ok());
  CHECK((*e)->match.script_name == "/x");
  CHECK((*e)->match.path_info.empty());
  Router all({prefix("/...", "/", "root")});
  auto root = all.route("/p/q");
  CHECK((*root)->match.script_name.empty());
  CHECK((*root)->match.path_info == "/p/q");
}

TEST_CASE("router: a path that does not decode is an error") {
  Router r({prefix("/...", "/", "root")});
  CHECK_FALSE(r.route("/bad%zz").ok());
  CHECK_FALSE(r.route("/nul%00").ok());
}

}  // namespace
}  // namespace edgectl::http

namespace edgectl::http {
namespace {

TEST_CASE("router: a canary takes matching headers, then its weight, sticky by cookie or header") {
  RouteTarget t;
  t.component = "stable";
  Canary c;
  c.component = "next";
  c.header_name = "x-env";
  c.header_value = "canary";
  c.weight = 20;
  t.canary = c;
  bool canary = false;
  using Headers = std::vector<std::pair<std::string, std::string>>;
  CHECK(choose_component(t, Headers{{"X-Env", " canary "}}, 99.0, &canary) == "next");
  CHECK(canary);
  CHECK(choose_component(t, Headers{{"X-Env", "other"}}, 99.0, &canary) == "stable");
  CHECK_FALSE(canary);
  CHECK(choose_component(t, {}, 19.9, &canary) == "next");
  CHECK(choose_component(t, {}, 20.0, &canary) == "stable");

  t.canary->sticky_cookie = "uid";
  t.canary->weight = 50;
  int next = 0;
  for (int user = 0; user < 400; ++user) {
    Headers h{{"Cookie", "a=1; uid=user" + std::to_string(user) + "; b=2"}};
    const std::string first = choose_component(t, h, 0.0, &canary);
    // The roll does not matter: the same user always lands on the same side.
    CHECK(choose_component(t, h, 99.0, &canary) == first);
    next += first == "next";
  }
  CHECK(next > 140);  // about half of 400 users
  CHECK(next < 260);

  RouteTarget plain;
  plain.component = "only";
  CHECK(choose_component(plain, {}, 0.0, &canary) == "only");
  CHECK_FALSE(canary);
}

}  // namespace
}  // namespace edgectl::http
