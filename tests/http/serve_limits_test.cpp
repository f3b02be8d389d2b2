// serve's limits: built-in defaults < profile < the manifest's [serve] < the command line.
#include "http/serve_limits.hpp"

#include "support.hpp"

namespace edgectl::http {
namespace {

using namespace std::chrono_literals;

manifest::Manifest parse(const std::string& serve_table) {
  auto r = manifest::parse_manifest(
      "[app]\nname = \"demo\"\n[[component]]\nid = \"web\"\nsource = \"web.wasm\"\n" + serve_table,
      "edgectl.toml");
  REQUIRE(r.ok());
  return std::move(r).value();
}

TEST_CASE("serve limits: with nothing set, the built-in defaults") {
  const ServeLimits l = merge_limits({}, {});
  const ServerLimits server;
  const WebSocketLimits ws;
  CHECK(l.profile == nullptr);
  CHECK(l.server.max_header_bytes == server.max_header_bytes);
  CHECK(l.server.max_body_bytes == server.max_body_bytes);
  CHECK(l.server.header_timeout == server.header_timeout);
  CHECK(l.server.idle_timeout == server.idle_timeout);
  CHECK(l.server.max_concurrent_per_component == server.max_concurrent_per_component);
  CHECK(l.server.queue_wait == server.queue_wait);
  CHECK(l.websocket.max_message_bytes == ws.max_message_bytes);
  CHECK(l.websocket.ping_interval == ws.ping_interval);
  CHECK(l.websocket.max_connections == ws.max_connections);
}

TEST_CASE("serve limits: each layer overrides the one below") {
  const LimitSettings from_manifest = limit_settings(parse(R"([serve]
profile = "cloudflare"
max_body = "1KiB"
header_timeout = "2s"
max_concurrent = 4
queue_wait = "20ms"
[serve.websocket]
max_message = "4KiB"
ping_interval = "1s"
pong_timeout = "500ms"
max_connections = 7
)")
                                                         .serve);
  LimitSettings flags;
  flags.max_body_bytes = 2048;
  flags.max_concurrent = 9;
  flags.ws_ping_interval = 250ms;

  // The profile alone: Cloudflare's head and body.
  const ServeLimits profile_only = merge_limits({.profile = manifest::Platform::Cloudflare}, {});
  REQUIRE(profile_only.profile != nullptr);
  CHECK(profile_only.server.max_header_bytes == 128'000);
  CHECK(profile_only.server.max_body_bytes == 100'000'000);

  // The manifest over the profile: its body, the profile's head.
  const ServeLimits m = merge_limits(from_manifest, {});
  CHECK(m.profile->platform == manifest::Platform::Cloudflare);
  CHECK(m.server.max_header_bytes == 128'000);
  CHECK(m.server.max_body_bytes == 1024);
  CHECK(m.server.header_timeout == 2s);
  CHECK(m.server.max_concurrent_per_component == 4);
  CHECK(m.server.queue_wait == 20ms);
  CHECK(m.websocket.max_message_bytes == 4096);
  CHECK(m.websocket.ping_interval == 1s);
  CHECK(m.websocket.pong_timeout == 500ms);
  CHECK(m.websocket.max_connections == 7);
  CHECK(m.server.idle_timeout == ServerLimits{}.idle_timeout);  // unset everywhere

  // The command line over the manifest, key by key.
  const ServeLimits all = merge_limits(from_manifest, flags);
  CHECK(all.server.max_body_bytes == 2048);
  CHECK(all.server.max_concurrent_per_component == 9);
  CHECK(all.websocket.ping_interval == 250ms);
  CHECK(all.server.header_timeout == 2s);
  CHECK(all.websocket.pong_timeout == 500ms);

  // --profile replaces the manifest's profile; the manifest's own values still apply.
  flags.profile = manifest::Platform::Fastly;
  const ServeLimits fastly = merge_limits(from_manifest, flags);
  CHECK(fastly.profile->platform == manifest::Platform::Fastly);
  CHECK(fastly.server.max_header_bytes == 69'000);
  CHECK(fastly.server.max_body_bytes == 2048);
}

TEST_CASE("serve limits: a profile without a published body limit keeps the default") {
  const ServeLimits l = merge_limits({}, {.profile = manifest::Platform::Fastly});
  CHECK(l.server.max_body_bytes == ServerLimits{}.max_body_bytes);
  CHECK(l.server.max_header_bytes == 69'000);
}

TEST_CASE("serve limits: a manifest without [serve] sets nothing") {
  CHECK(limit_settings(parse("").serve) == LimitSettings{});
}

}  // namespace
}  // namespace edgectl::http
