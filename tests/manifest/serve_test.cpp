// [serve] and [serve.websocket]: every key read back, and each bad value reported at
// file:line:col with what is accepted.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "manifest/manifest.hpp"
#include "ui/diagnostic.hpp"
#include "util/fs.hpp"

using namespace edgectl;
using namespace edgectl::manifest;
using namespace std::chrono_literals;

namespace {

constexpr const char* kFile = "edgectl.toml";

// Lines 1-5: a valid app with one component; [serve] starts on line 6.
const std::string kHead = R"([app]
name = "demo"
[[component]]
id = "web"
source = "web.wasm"
)";

Manifest parse_ok(const std::string& text) {
  auto r = parse_manifest(text, kFile);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : ui::format_error(r.error())));
  return std::move(r).value();
}

// "line:col message | first note" per diagnostic, one per line.
std::string errors(const std::string& text) {
  auto r = parse_manifest(text, kFile);
  REQUIRE_FALSE(r.ok());
  std::string out;
  for (const auto& d : r.error().diagnostics()) {
    const auto* at = std::get_if<TextLocation>(&d.location);
    REQUIRE(at != nullptr);
    out += std::to_string(at->line) + ":" + std::to_string(at->column) + " " + d.message;
    if (!d.notes.empty()) out += " | " + d.notes[0];
    out += "\n";
  }
  return out;
}

std::string lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += item + "\n";
  return out;
}

}  // namespace

TEST_CASE("manifest: [serve] reads back every key") {
  const Manifest m = parse_ok(kHead + R"([serve]
max_header = "32KiB"
max_body = "1KiB"
header_timeout = "5s"
idle_timeout = "2m"
max_concurrent = 8
queue_wait = "250ms"
profile = "fastly"
[serve.websocket]
max_message = "64KiB"
max_send_queue = "2MiB"
ping_interval = "20s"
pong_timeout = "10ms"
idle_timeout = 600
max_connections = 50
)");
  const ServeSettings& s = m.serve;
  REQUIRE(s.where);
  CHECK(s.where->line == 6);
  CHECK(s.max_header->value.bytes == 32 * 1024);
  CHECK(s.max_body->value.bytes == 1024);
  CHECK(s.max_body->where.line == 8);
  CHECK(s.max_body->where.column == 12);
  CHECK(s.header_timeout->value == 5s);
  CHECK(s.idle_timeout->value == 2min);
  CHECK(s.max_concurrent->value == 8);
  CHECK(s.queue_wait->value == 250ms);
  CHECK(s.profile->value == Platform::Fastly);
  CHECK(s.websocket.max_message->value.bytes == 64 * 1024);
  CHECK(s.websocket.max_send_queue->value.bytes == 2 * 1024 * 1024);
  CHECK(s.websocket.ping_interval->value == 20s);
  CHECK(s.websocket.pong_timeout->value == 10ms);
  CHECK(s.websocket.idle_timeout->value == 600s);
  CHECK(s.websocket.max_connections->value == 50);
}

TEST_CASE("manifest: [serve] is optional, and any TOML spelling of it works") {
  const Manifest none = parse_ok(kHead);
  CHECK_FALSE(none.serve.where);
  CHECK_FALSE(none.serve.max_body);
  CHECK_FALSE(none.serve.profile);
  CHECK_FALSE(none.serve.websocket.max_message);

  // Top-level keys come before the first [table] header.
  const Manifest inline_table =
      parse_ok("serve = { max_body = 2048, websocket = { max_connections = 3 } }\n" + kHead);
  CHECK(inline_table.serve.max_body->value.bytes == 2048);
  CHECK(inline_table.serve.websocket.max_connections->value == 3);
  const Manifest dotted = parse_ok("serve.profile = \"cloudflare\"\n" + kHead);
  CHECK(dotted.serve.profile->value == Platform::Cloudflare);
}

TEST_CASE("manifest: unknown keys in [serve] and [serve.websocket]") {
  CHECK(errors(kHead + R"([serve]
max_bdy = "1MiB"
timeout = "5s"
[serve.websocket]
ping = "1s"
)") == lines({
           "7:1 unknown key 'max_bdy' in [serve] | did you mean 'max_body'?",
           "8:1 unknown key 'timeout' in [serve] | accepted keys: max_header, max_body, "
           "header_timeout, idle_timeout, max_concurrent, queue_wait, profile, websocket",
           "10:1 unknown key 'ping' in [serve.websocket] | accepted keys: max_message, "
           "max_send_queue, ping_interval, pong_timeout, idle_timeout, max_connections",
       }));
}

TEST_CASE("manifest: [serve] values out of range point at the value") {
  CHECK(errors(kHead + R"([serve]
max_header = "512"
max_body = "5GiB"
header_timeout = "500us"
idle_timeout = 0
max_concurrent = 100001
queue_wait = "soon"
profile = "cloudfare"
)") == lines({
           "7:14 'max_header' must be between 1KiB and 1MiB, found 512",
           "8:12 'max_body' must be between 1 and 4GiB, found 5GiB | the body is buffered and "
           "handed to a 32-bit guest",
           "9:18 'header_timeout' must be at least 1ms, found 500us",
           "10:16 'idle_timeout' must be greater than zero",
           "11:18 'max_concurrent' must be between 1 and 100000, found 100001",
           "12:14 'soon' is not a duration; use e.g. 250ms, 5s",
           "13:11 unknown profile 'cloudfare' | did you mean 'cloudflare'?",
       }));
  CHECK(errors(kHead + "[serve]\nmax_concurrent = 0\nprofile = \"aws\"\n") ==
        lines({
            "7:18 'max_concurrent' must be between 1 and 100000, found 0",
            "8:11 unknown profile 'aws' | profiles: cloudflare, fastly",
        }));
  CHECK(errors(kHead + R"([serve.websocket]
max_message = 0
max_send_queue = "lots"
ping_interval = "5ms"
pong_timeout = "9ms"
idle_timeout = "1us"
max_connections = 1_000_001
)") == lines({
           "7:15 'max_message' must be greater than zero",
           "8:18 'lots' is not a size; use e.g. 512KiB, 1MiB or 1048576 (bytes)",
           "9:17 'ping_interval' must be at least 10ms, found 5ms",
           "10:16 'pong_timeout' must be at least 10ms, found 9ms",
           "11:16 'idle_timeout' must be at least 1ms, found 1us",
           "12:19 'max_connections' must be between 1 and 1000000, found 1000001",
       }));
}

TEST_CASE("manifest: [serve] of the wrong type") {
  CHECK(errors("serve = 3\n" + kHead) ==
        lines({"1:9 'serve': expected a table, found an integer"}));
  CHECK(errors(kHead + "[serve]\nmax_body = true\nwebsocket = \"yes\"\nprofile = 1\n") ==
        lines({
            "7:12 'max_body': expected a size (\"1MiB\" or a number of bytes), found a boolean",
            "8:13 'websocket': expected a table, found a string",
            "9:11 'profile': expected a string, found an integer | quote it: profile = \"1\"",
        }));
}

TEST_CASE("manifest: the [serve] example in docs/manifest.md is valid") {
  auto doc =
      edgectl::read_text_file(std::filesystem::path(EDGECTL_SOURCE_DIR) / "docs" / "manifest.md");
  REQUIRE(doc.ok());
  const std::string fence = "```toml\n[serve]\n";
  const size_t start = doc->find(fence);
  REQUIRE(start != std::string::npos);
  const size_t body = start + std::string("```toml\n").size();
  const Manifest m = parse_ok(kHead + doc->substr(body, doc->find("```", body) - body));
  CHECK(m.serve.max_body);
  CHECK(m.serve.websocket.max_message);
}
