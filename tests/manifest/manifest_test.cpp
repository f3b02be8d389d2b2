// edgectl.toml parsing: every field read back, each class of problem reported at the right
// file:line:col with the right words, and all problems at once.
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

Manifest parse_ok(std::string_view text) {
  auto r = parse_manifest(text, kFile);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : ui::format_error(r.error())));
  return std::move(r).value();
}

const TextLocation& text_location(const Diagnostic& d) {
  const auto* t = std::get_if<TextLocation>(&d.location);
  REQUIRE_MESSAGE(t != nullptr, d.message);
  return *t;
}

// One line per item, so that doctest prints both sides of a failed comparison readably.
std::string lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += item + "\n";
  return out;
}

// One "file:line:col: message" line per diagnostic, in the order they are reported.
std::string errors(std::string_view text) {
  auto r = parse_manifest(text, kFile);
  REQUIRE_FALSE(r.ok());
  std::vector<std::string> out;
  for (const auto& d : r.error().diagnostics()) {
    if (const auto* t = std::get_if<TextLocation>(&d.location))
      out.push_back(t->file + ":" + std::to_string(t->line) + ":" + std::to_string(t->column) +
                    ": " + d.message);
    else
      out.push_back(d.message);
  }
  return lines(out);
}

std::vector<Diagnostic> diagnostics(std::string_view text) {
  auto r = parse_manifest(text, kFile);
  REQUIRE_FALSE(r.ok());
  return r.error().diagnostics();
}

// Lines 1-5 of most cases: a valid app with one component "web".
const std::string kHead = R"([app]
name = "demo"
[[component]]
id = "web"
source = "web.wasm"
)";

}  // namespace

TEST_CASE("manifest: a full manifest reads back every field") {
  const Manifest m = parse_ok(R"([app]
name = "hello"
version = "1.2.0-rc1"
registry = "127.0.0.1:5000/acme/hello"
description = "Says hello"

[[component]]
id = "hello"
source = "build/hello.wasm"
args = ["--x", "-v"]
env = { GREETING = "hi", _LEVEL2 = "debug" }
files = ["static", { source = "data", destination = "/data", writable = true }, { source = "./assets/" }]
max_size = "1MiB"
max_memory = "64MiB"
timeout = "5s"
fuel = 1000000
max_concurrent = 8
host_modules = ["edgectl"]
[component.build]
language = "c"
workdir = "."
watch = ["src/**/*.c"]

[[component]]
id = "hello-v2"
source = "hello2.wasm"
max_size = 2048
timeout = 2
build.command = "make wasm"

[[route]]
path = "/hello"
component = "hello"
websocket = true
canary = { component = "hello-v2", header = "X-Env:  canary ", weight = 5, sticky = "Cookie: bucket" }

[[route]]
path = "/api/..."
component = "hello"
[route.canary]
component = "hello-v2"
weight = 12.5

[[route]]
path = "/..."
static = "public/"
)");
  CHECK(m.path == kFile);
  CHECK(m.dir.empty());

  CHECK(m.app.name.value == "hello");
  CHECK(m.app.name.where.line == 2);
  CHECK(m.app.name.where.column == 8);
  REQUIRE(m.app.version);
  CHECK(m.app.version->value == "1.2.0-rc1");
  REQUIRE(m.app.registry);
  CHECK(m.app.registry->value == "127.0.0.1:5000/acme/hello");
  CHECK(m.app.description == "Says hello");

  REQUIRE(m.components.size() == 2);
  const Component& c = m.components[0];
  CHECK(c.id.value == "hello");
  CHECK(c.where.line == 7);
  CHECK(c.source.value == "build/hello.wasm");
  CHECK(c.args == std::vector<std::string>{"--x", "-v"});
  CHECK(c.env == std::map<std::string, std::string>{{"GREETING", "hi"}, {"_LEVEL2", "debug"}});
  REQUIRE(c.files.size() == 3);
  CHECK(c.files[0].source == "static");
  CHECK(c.files[0].destination == "/static");
  CHECK_FALSE(c.files[0].writable);
  CHECK(c.files[1].source == "data");
  CHECK(c.files[1].destination == "/data");
  CHECK(c.files[1].writable);
  CHECK(c.files[2].source == "./assets/");  // kept as written
  CHECK(c.files[2].destination == "/assets");
  REQUIRE(c.max_size);
  CHECK(c.max_size->value.bytes == 1024 * 1024);
  CHECK(c.max_size->where.line == 13);
  REQUIRE(c.limits.max_memory);
  CHECK(c.limits.max_memory->value.bytes == 64ull * 1024 * 1024);
  REQUIRE(c.limits.timeout);
  CHECK(c.limits.timeout->value == 5s);
  REQUIRE(c.limits.fuel);
  CHECK(c.limits.fuel->value == 1000000);
  REQUIRE(c.limits.max_concurrent);
  CHECK(c.limits.max_concurrent->value == 8u);
  CHECK(c.host_modules == std::vector<std::string>{"edgectl"});
  REQUIRE(c.build);
  REQUIRE(c.build->language);
  CHECK(c.build->language->value == Language::C);
  CHECK_FALSE(c.build->command);
  CHECK(c.build->workdir == ".");
  CHECK(c.build->watch == std::vector<std::string>{"src/**/*.c"});
  CHECK(c.build->where.line == 19);

  const Component& v2 = m.components[1];
  CHECK(v2.max_size->value.bytes == 2048);
  CHECK(v2.limits.timeout->value == 2s);
  CHECK_FALSE(v2.limits.max_memory);
  CHECK_FALSE(v2.limits.fuel);
  REQUIRE(v2.build);
  REQUIRE(v2.build->command);
  CHECK(v2.build->command->value == "make wasm");
  CHECK(v2.build->workdir.empty());
  CHECK(m.find_component("hello-v2") == &v2);
  CHECK(m.find_component("nope") == nullptr);

  REQUIRE(m.routes.size() == 3);
  const Route& exact = m.routes[0];
  CHECK(exact.path.value == "/hello");
  CHECK(exact.prefix == "/hello");
  CHECK(exact.match == RouteMatch::Exact);
  CHECK(exact.component->value == "hello");
  CHECK_FALSE(exact.static_dir);
  CHECK(exact.websocket);
  REQUIRE(exact.canary);
  CHECK(exact.canary->component.value == "hello-v2");
  CHECK(exact.canary->header_name == "x-env");  // names are case-insensitive: lowercased
  CHECK(exact.canary->header_value == "canary");
  CHECK(exact.canary->weight->value == 5.0);
  CHECK(exact.canary->sticky == "cookie:bucket");

  const Route& api = m.routes[1];
  CHECK(api.prefix == "/api");
  CHECK(api.match == RouteMatch::Prefix);
  CHECK_FALSE(api.websocket);
  REQUIRE(api.canary);
  CHECK_FALSE(api.canary->header_name);
  CHECK(api.canary->weight->value == 12.5);
  CHECK(api.canary->where.line == 40);

  const Route& all = m.routes[2];
  CHECK(all.prefix == "/");
  CHECK(all.match == RouteMatch::Prefix);
  CHECK_FALSE(all.component);
  CHECK(all.static_dir->value == "public/");
}

TEST_CASE("manifest: a minimal manifest leaves every optional field unset") {
  const Manifest m = parse_ok(kHead);
  CHECK_FALSE(m.app.version);
  CHECK_FALSE(m.app.registry);
  CHECK_FALSE(m.app.description);
  const Component& c = m.components.at(0);
  CHECK_FALSE(c.build);
  CHECK(c.env.empty());
  CHECK(c.args.empty());
  CHECK(c.files.empty());
  CHECK_FALSE(c.max_size);
  CHECK_FALSE(c.limits.max_memory);
  CHECK_FALSE(c.limits.timeout);
  CHECK_FALSE(c.limits.fuel);
  CHECK(c.host_modules.empty());
  CHECK(m.routes.empty());
}

TEST_CASE("manifest: path and dir come from the path given") {
  const Manifest m = [&] {
    auto r = parse_manifest(kHead, "projects/demo/edgectl.toml");
    REQUIRE(r.ok());
    return std::move(r).value();
  }();
  CHECK(m.path == "projects/demo/edgectl.toml");
  CHECK(m.dir == "projects/demo");
  CHECK(m.app.name.where.file == "projects/demo/edgectl.toml");
}

TEST_CASE("manifest: a TOML syntax error carries toml++'s line and column") {
  const auto ds = diagnostics("[app]\nname = hello\n");
  REQUIRE(ds.size() == 1);
  const auto& at = text_location(ds[0]);
  CHECK(at.file == kFile);
  CHECK(at.line == 2);
  CHECK(at.column == 8);
  CHECK(at.source_line == "name = hello");
  CHECK(ds[0].message == "TOML syntax error in value: could not determine value type");
  CHECK(ds[0].notes == std::vector<std::string>{"strings need quotes, e.g. name = \"hello\""});

  CHECK(errors("[app]\nname = \"a\"\nname = \"b\"\n") ==
        lines({"edgectl.toml:3:8: TOML syntax error in key-value pair: cannot redefine existing "
               "string 'name'"}));
}

TEST_CASE("manifest: missing required keys point at the table header") {
  CHECK(errors(R"([app]
version = "1.0"
[[component]]
source = "a.wasm"
[[component]]
id = "b"
[[route]]
component = "b"
)") == lines({
           "edgectl.toml:1:1: missing required key 'name' in [app]",
           "edgectl.toml:3:1: missing required key 'id' in [[component]]",
           "edgectl.toml:5:1: missing required key 'source' in [[component]]",
           "edgectl.toml:7:1: missing required key 'path' in [[route]]",
       }));
  const auto ds = diagnostics("[[component]]\nid = \"a\"\nsource = \"a.wasm\"\n");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "missing [app] table");
  CHECK(std::holds_alternative<FileLocation>(ds[0].location));
}

TEST_CASE("manifest: at least one component") {
  auto ds = diagnostics("[app]\nname = \"a\"\n");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "no components");
  CHECK(std::get<FileLocation>(ds[0].location).file == kFile);

  CHECK(errors("component = []\n[app]\nname = \"a\"\n") ==
        lines({"edgectl.toml:1:13: no components"}));
  CHECK(errors("[app]\nname = \"a\"\n[component]\nid = \"a\"\nsource = \"a.wasm\"\n") ==
        lines({"edgectl.toml:3:1: 'component': expected an array of tables, found a table"}));
}

TEST_CASE("manifest: wrong types say what was expected and what was found") {
  CHECK(errors(kHead + R"(args = "--x"
fuel = "lots"
max_size = true
env = { A = 1 }
[[route]]
path = 7
component = "web"
websocket = 1
)") == lines({
           "edgectl.toml:6:8: 'args': expected an array, found a string",
           "edgectl.toml:7:8: 'fuel': expected an integer, found a string",
           "edgectl.toml:8:12: 'max_size': expected a size (\"1MiB\" or a number of bytes), found "
           "a boolean",
           "edgectl.toml:9:13: 'env.A': expected a string, found an integer",
           "edgectl.toml:11:8: 'path': expected a string, found an integer",
           "edgectl.toml:13:13: 'websocket': expected a boolean (true or false), found an integer",
       }));
  const auto ds = diagnostics("[app]\nname = 12\n" + kHead.substr(kHead.find("[[")));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "'name': expected a string, found an integer");
  CHECK(ds[0].notes == std::vector<std::string>{"quote it: name = \"12\""});
}

TEST_CASE("manifest: unknown keys in every table get did-you-mean notes") {
  const auto ds = diagnostics(R"([app]
nmae = "x"
name = "x"
[[component]]
id = "x"
Source = "x.wasm"
source = "x.wasm"
colour = "red"
[component.build]
langauge = "c"
language = "c"
[[route]]
path = "/"
component = "x"
canary = { component = "x", wieght = 5 }
[[rout]]
[extra]
)");
  std::vector<std::string> got;
  for (const auto& d : ds) {
    const auto& at = text_location(d);
    got.push_back(std::to_string(at.line) + ":" + std::to_string(at.column) + " " + d.message +
                  " | " + (d.notes.empty() ? "" : d.notes[0]));
  }
  CHECK(lines(got) ==
        lines({
            "2:1 unknown key 'nmae' in [app] | did you mean 'name'?",
            "6:1 unknown key 'Source' in [[component]] | did you mean 'source'?",
            "8:1 unknown key 'colour' in [[component]] | accepted keys: id, source, build, args, "
            "env, files, "
            "max_size, max_memory, timeout, fuel, max_concurrent, host_modules, key_value_stores, "
           "allowed_outbound_hosts",
            "10:1 unknown key 'langauge' in [component.build] | did you mean 'language'?",
            "15:10 a canary rule needs 'header', 'weight' or both | e.g. canary = { component = "
            "\"app-v2\", "
            "header = \"x-env: canary\" } or weight = 5",
            "15:24 the canary component is the route's own component | name the other version, "
            "e.g. 'x-v2'",
            "15:29 unknown key 'wieght' in the canary rule | did you mean 'weight'?",
            "16:3 unknown key 'rout' at the top level | did you mean 'route'?",
            "17:2 unknown key 'extra' at the top level | accepted keys: app, component, route, "
            "serve",
        }));
  // The caret covers the key.
  CHECK(text_location(ds[0]).length == 4);
  CHECK(text_location(ds[0]).source_line == "nmae = \"x\"");
}

TEST_CASE("manifest: sizes and durations") {
  CHECK(errors(kHead + R"(max_size = "12 furlongs"
timeout = "5 parsecs"
max_memory = "0"
fuel = 0
)") == lines({
           "edgectl.toml:6:12: '12 furlongs' is not a size; use e.g. 512KiB, 1MiB or 1048576 "
           "(bytes)",
           "edgectl.toml:7:11: '5 parsecs' is not a duration; use e.g. 250ms, 5s",
           "edgectl.toml:8:14: 'max_memory' must be greater than zero",
           "edgectl.toml:9:8: 'fuel' must be a positive integer, found 0",
       }));
  CHECK(errors(kHead + "max_memory = \"5GiB\"\n") ==
        lines({"edgectl.toml:6:14: 'max_memory' of 5GiB is more than the 4GiB a 32-bit wasm memory "
               "can address"}));

  // KB is 1000 bytes and KiB 1024; a bare number of seconds is a duration.
  const Manifest m =
      parse_ok(kHead + "max_size = \"512KB\"\nmax_memory = \"1.5MiB\"\ntimeout = \"250ms\"\n");
  CHECK(m.components[0].max_size->value.bytes == 512000);
  CHECK(m.components[0].limits.max_memory->value.bytes == 1536 * 1024);
  CHECK(m.components[0].limits.timeout->value == 250ms);
  CHECK(parse_ok(kHead + "timeout = \"2m\"\n").components[0].limits.timeout->value == 120s);
}

TEST_CASE("manifest: app names and component ids") {
  const auto ds = diagnostics(R"([app]
name = "My App"
[[component]]
id = "-web"
source = "web.wasm"
)");
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].message == "'My App' is not a valid app name");
  CHECK(ds[0].notes ==
        std::vector<std::string>{
            "use lowercase letters, digits, '_' and '-', starting with a letter or digit",
            "try 'my-app'"});
  CHECK(text_location(ds[1]).line == 4);
  CHECK(ds[1].message == "'-web' is not a valid component id");

  const std::string id63(63, 'a');
  CHECK(parse_ok("[app]\nname = \"a\"\n[[component]]\nid = \"" + id63 + "\"\nsource = \"a.wasm\"\n")
            .components[0]
            .id.value == id63);
  CHECK(
      errors("[app]\nname = \"a\"\n[[component]]\nid = \"" + id63 + "a\"\nsource = \"a.wasm\"\n") ==
      lines({"edgectl.toml:4:6: component id '" + id63 + "a' is longer than 63 characters"}));
  CHECK(parse_ok("[app]\nname = \"a_b-9\"\n[[component]]\nid = \"0_x-y\"\nsource = \"a.wasm\"\n")
            .app.name.value == "a_b-9");
}

TEST_CASE("manifest: duplicate component ids point at the second") {
  const auto ds = diagnostics(kHead + "[[component]]\nid = \"web\"\nsource = \"other.wasm\"\n");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "duplicate component id 'web'");
  CHECK(text_location(ds[0]).line == 7);
  CHECK(ds[0].notes == std::vector<std::string>{"first used at line 4"});
}

TEST_CASE("manifest: version and registry") {
  CHECK(parse_ok("[app]\nname = \"a\"\nversion = \"v1_2.3-rc.1\"\nregistry = "
                 "\"ghcr.io/acme/sub/hello-world\"\n" +
                 kHead.substr(kHead.find("[[")))
            .app.registry->value == "ghcr.io/acme/sub/hello-world");
  parse_ok("[app]\nname = \"a\"\nregistry = \"localhost:5000/hello\"\n" +
           kHead.substr(kHead.find("[[")));

  auto registry_error = [&](const std::string& ref) {
    const auto ds = diagnostics("[app]\nname = \"a\"\nregistry = \"" + ref + "\"\n" +
                                kHead.substr(kHead.find("[[")));
    REQUIRE(ds.size() == 1);
    CHECK(text_location(ds[0]).line == 3);
    CHECK(text_location(ds[0]).column == 12);
    return ds[0].message;
  };
  CHECK(registry_error("hello") == "'hello' is not a registry reference");
  CHECK(registry_error("ghcr.io/acme/hello:1.0") ==
        "registry reference 'ghcr.io/acme/hello:1.0' must not include a tag");
  CHECK(registry_error("ghcr.io/acme/hello@sha256:abc") ==
        "registry reference 'ghcr.io/acme/hello@sha256:abc' must not include a digest");
  CHECK(registry_error("ghcr.io/Acme/hello") == "registry path 'Acme/hello' must be lowercase");
  CHECK(registry_error("ghcr.io/acme//hello") == "'' is not a valid registry path component");
  CHECK(registry_error("ghcr.io:99999/acme") == "'ghcr.io:99999' is not a valid registry host");
  CHECK(registry_error("https://ghcr.io/acme") ==
        "'https://ghcr.io/acme' is not a registry reference");

  CHECK(errors("[app]\nname = \"a\"\nversion = \".1\"\n" + kHead.substr(kHead.find("[["))) ==
        lines({"edgectl.toml:3:11: '.1' is not a valid version"}));
}

TEST_CASE("manifest: route paths") {
  const Manifest m = parse_ok(kHead + R"([[route]]
path = "/a/b/"
component = "web"
[[route]]
path = "/a/b/..."
component = "web"
)");
  CHECK(m.routes[0].match == RouteMatch::Exact);
  CHECK(m.routes[0].prefix == "/a/b/");
  CHECK(m.routes[1].match == RouteMatch::Prefix);
  CHECK(m.routes[1].prefix == "/a/b");

  auto path_error = [&](const std::string& path) {
    const auto ds =
        diagnostics(kHead + "[[route]]\npath = \"" + path + "\"\ncomponent = \"web\"\n");
    REQUIRE(ds.size() == 1);
    CHECK(text_location(ds[0]).line == 7);
    CHECK(text_location(ds[0]).column == 8);
    return ds[0].message;
  };
  CHECK(path_error("hello") == "route path 'hello' must start with '/'");
  CHECK(path_error("") == "route path must not be empty");
  CHECK(path_error("/api/.../x") ==
        "'...' is only allowed as the last segment of a route path, as in '/api/...'");
  CHECK(path_error("/api...") ==
        "'...' is only allowed as the last segment of a route path, as in '/api/...'");
  CHECK(path_error("/a?b=1") == "route path '/a?b=1' must not contain spaces, '?' or '#'");
  CHECK(path_error("/a/../b") == "route path '/a/../b' must not contain '.' or '..' segments");
  CHECK(path_error("/a//b") == "route path '/a//b' has an empty segment ('//')");
}

TEST_CASE("manifest: route targets and duplicate paths") {
  CHECK(errors(kHead + R"([[route]]
path = "/a"
component = "wbe"
[[route]]
path = "/a"
component = "web"
[[route]]
path = "/b/..."
component = "web"
static = "public"
[[route]]
path = "/c"
[[route]]
path = "/d"
static = "public"
[[route]]
path = "/e/..."
static = "public"
websocket = true
[[route]]
path = "/f"
component = "zzz"
)") == lines({
           "edgectl.toml:8:13: unknown component 'wbe'",
           "edgectl.toml:10:8: duplicate route path '/a'",
           "edgectl.toml:15:1: a route serves either a component or a static folder, not both",
           "edgectl.toml:16:1: a route needs 'component' or 'static'",
           "edgectl.toml:19:8: a static route needs a prefix path",
           "edgectl.toml:24:13: a websocket route needs a component, not a static folder",
           "edgectl.toml:27:13: unknown component 'zzz'",
       }));
  const auto ds = diagnostics(kHead +
                              "[[route]]\npath = \"/a\"\ncomponent = \"wbe\"\n[[route]]\npath = "
                              "\"/b\"\ncomponent = \"zzz\"\n");
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].notes == std::vector<std::string>{"did you mean 'web'?"});
  CHECK(ds[1].notes == std::vector<std::string>{"components: web"});
}

TEST_CASE("manifest: canary rules") {
  const std::string two =
      kHead + "[[component]]\nid = \"web-v2\"\nsource = \"web2.wasm\"\n";  // lines 1-8
  CHECK(
      errors(two + R"([[route]]
path = "/a"
component = "web"
canary = { component = "web-v3", header = "x-env=canary" }
[[route]]
path = "/b"
component = "web"
canary = { component = "web-v2", weight = 0, sticky = "cookie:" }
[[route]]
path = "/c"
component = "web"
canary = { component = "web", header = "x: y", sticky = "header:x-user" }
[[route]]
path = "/d"
static = "public"
[route.canary]
component = "web-v2"
header = "a: b"
)") ==
      lines({
          "edgectl.toml:12:24: unknown component 'web-v3'",
          "edgectl.toml:12:43: 'x-env=canary' is not a header match",
          "edgectl.toml:16:43: canary weight is a percentage: more than 0 and at most 100, found 0",
          "edgectl.toml:16:55: 'cookie:' is not a sticky rule",
          "edgectl.toml:20:24: the canary component is the route's own component",
          "edgectl.toml:20:48: 'sticky' keeps each client on one side of a weight split, so it "
          "needs 'weight'",
          "edgectl.toml:22:8: a static route needs a prefix path",
          "edgectl.toml:24:8: a canary rule applies to component routes only",
      }));
  const Manifest m = parse_ok(two + R"([[route]]
path = "/x"
component = "web"
canary = { component = "web-v2", weight = 100, sticky = "header : X-User" }
)");
  CHECK(m.routes[0].canary->weight->value == 100.0);
  CHECK(m.routes[0].canary->sticky == "header:X-User");
  CHECK_FALSE(m.routes[0].canary->header_name);
}

TEST_CASE("manifest: build specs") {
  CHECK(errors(R"([app]
name = "a"
[[component]]
id = "a"
source = "a.wasm"
build = { command = "make", language = "go" }
[[component]]
id = "b"
source = "b.wasm"
build = { workdir = "src" }
[[component]]
id = "c"
source = "c.wasm"
build = { language = "golang" }
)") == lines({
           "edgectl.toml:6:29: set either 'language' or 'command' in [component.build], not both",
           "edgectl.toml:10:9: [component.build] needs 'language' or 'command'",
           "edgectl.toml:14:22: unknown language 'golang'",
       }));
  for (auto lang : {Language::C, Language::Rust, Language::Go, Language::TinyGo,
                    Language::AssemblyScript, Language::Wat}) {
    CHECK(parse_language(to_string(lang)) == lang);
    const Manifest m = parse_ok(kHead + "build = { language = \"" + std::string(to_string(lang)) +
                                "\", watch = [\"*.x\"] }\n");
    CHECK(m.components[0].build->language->value == lang);
  }
  CHECK_FALSE(parse_language("C"));
  const auto ds = diagnostics(kHead + "build.language = \"tingo\"\n");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].notes.at(0) == "did you mean 'tinygo'?");
}

TEST_CASE("manifest: build profile") {
  const Manifest unset = parse_ok(kHead + "build = { language = \"c\" }\n");
  CHECK_FALSE(unset.components[0].build->profile);
  for (auto profile : {BuildProfile::Dev, BuildProfile::Release}) {
    CHECK(parse_build_profile(to_string(profile)) == profile);
    const Manifest m = parse_ok(kHead + "[component.build]\nlanguage = \"go\"\nprofile = \"" +
                                std::string(to_string(profile)) + "\"\n");
    REQUIRE(m.components[0].build->profile);
    CHECK(m.components[0].build->profile->value == profile);
    CHECK(m.components[0].build->profile->where.line == 8);
    CHECK(m.components[0].build->profile->where.column == 11);
  }
  CHECK(build_profile_names() == std::vector<std::string>{"dev", "release"});
  CHECK_FALSE(parse_build_profile("Dev"));
  CHECK(errors(kHead + R"([component.build]
language = "c"
profile = "Dev"
[[component]]
id = "b"
source = "b.wasm"
build = { command = "make", profile = "debug" }
[[component]]
id = "c"
source = "c.wasm"
build = { language = "c", profile = 1 }
[[component]]
id = "d"
source = "d.wasm"
profile = "dev"
)") == lines({
           "edgectl.toml:8:11: unknown build profile 'Dev'",
           "edgectl.toml:12:39: unknown build profile 'debug'",
           "edgectl.toml:16:37: 'profile': expected a string, found an integer",
           "edgectl.toml:20:1: unknown key 'profile' in [[component]]",
       }));
  const auto ds = diagnostics(kHead + "build = { language = \"c\", profile = \"relase\" }\n");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].notes.at(0) == "did you mean 'release'?");
  CHECK(ds[0].notes.at(1).find("dev (no binaryen optimization") != std::string::npos);
}

TEST_CASE("manifest: env names and file mounts") {
  CHECK(errors(kHead + R"(env = { "2X" = "a", "A B" = "b" }
files = [
  "/abs",
  "../up",
  { source = "d", destination = "d" },
  { source = "e", destination = "/x/../y" },
  { source = "s" },
  "s",
  { source = "/host" },
]
)") == lines({
           "edgectl.toml:6:9: '2X' is not a valid environment variable name",
           "edgectl.toml:6:21: 'A B' is not a valid environment variable name",
           "edgectl.toml:8:3: the short form mounts a project folder; '/abs' is an absolute path",
           "edgectl.toml:9:3: '../up' is outside the project folder",
           "edgectl.toml:10:33: guest path 'd' must be absolute",
           "edgectl.toml:11:33: guest path '/x/../y' must not contain '.' or '..' segments",
           "edgectl.toml:13:3: guest path '/s' is mounted twice",
           "edgectl.toml:14:3: missing required key 'destination' in a 'files' entry",
       }));
  // The array-of-tables form works too, and "." mounts the project folder at "/".
  const Manifest m = parse_ok(kHead + R"(files = ["."]
[[component]]
id = "b"
source = "b.wasm"
[[component.files]]
source = "/var/data"
destination = "/data"
writable = true
)");
  CHECK(m.components[0].files[0].destination == "/");
  CHECK(m.components[1].files[0].source == "/var/data");
  CHECK(m.components[1].files[0].writable);
  CHECK(m.components[1].files[0].where.line == 10);
}

TEST_CASE("manifest: host modules") {
  const auto ds = diagnostics(kHead + "host_modules = [\"edgectl\", \"edgecl\", \"kv\"]\n");
  REQUIRE(ds.size() == 2);
  CHECK(ds[0].message == "unknown host module 'edgecl'");
  CHECK(ds[0].notes == std::vector<std::string>{"did you mean 'edgectl'?"});
  CHECK(text_location(ds[0]).column == 28);
  CHECK(ds[1].notes == std::vector<std::string>{"known host modules: edgectl"});
}

TEST_CASE("manifest: every problem is reported at once in source order") {
  const auto ds = diagnostics(R"([app]
name = "Bad Name"
[[component]]
id = "a"
sorce = "a.wasm"
timeout = "soon"
[[route]]
path = "x"
component = "b"
)");
  std::vector<uint32_t> lines;
  for (const auto& d : ds) lines.push_back(text_location(d).line);
  CHECK(lines == std::vector<uint32_t>{2, 3, 5, 6, 8, 9});
  CHECK(ds[1].message == "missing required key 'source' in [[component]]");
}

TEST_CASE("manifest: carets stay aligned with tabs and CRLF and non-ASCII text") {
  const auto ds = diagnostics(
      "[app]\r\nname = \"a\"\r\n[[component]]\r\n\tid = \"é\" # ü\r\n\tsource = \"a.wasm\"\r\n"
      "\tmax_size = \"big\"\r\n");
  REQUIRE(ds.size() == 2);
  const auto& bad_id = text_location(ds[0]);
  CHECK(bad_id.line == 4);
  CHECK(bad_id.column == 7);
  CHECK(bad_id.length == 3);  // "é" with quotes: three code points
  CHECK(bad_id.source_line == " id = \"é\" # ü");
  const auto& size = text_location(ds[1]);
  CHECK(size.column == 13);
  CHECK(size.source_line == " max_size = \"big\"");
  CHECK(ui::format_error(Error(ds[1])) ==
        "edgectl.toml:6:13: error: 'big' is not a size; use e.g. 512KiB, 1MiB or 1048576 (bytes)\n"
        " 6 |  max_size = \"big\"\n"
        "   |             ^^^^^\n");
}

TEST_CASE("manifest: a value spanning lines is underlined to the end of its first line") {
  const auto ds = diagnostics(kHead + "args = [\n  \"a\",\n  1,\n]\n");
  REQUIRE(ds.size() == 1);
  CHECK(text_location(ds[0]).line == 8);
  CHECK(text_location(ds[0]).column == 3);

  const auto multi = diagnostics(kHead + "env = 5\nfiles = \"\"\"\nx\n\"\"\"\n");
  REQUIRE(multi.size() == 2);
  const auto& at = text_location(multi[1]);
  CHECK(at.line == 7);
  CHECK(at.column == 9);
  CHECK(at.length == 3);
}

TEST_CASE("manifest: the TOML examples in docs/manifest.md are valid") {
  auto doc = read_text_file(std::filesystem::path(EDGECTL_SOURCE_DIR) / "docs" / "manifest.md");
  REQUIRE(doc.ok());
  // The complete example: the first ```toml block.
  const std::string fence = "```toml\n";
  const size_t start = doc->find(fence);
  REQUIRE(start != std::string::npos);
  const size_t body = start + fence.size();
  const std::string example = doc->substr(body, doc->find("```", body) - body);
  const Manifest m = parse_ok(example);
  CHECK(m.app.name.value == "shop");
  CHECK(m.components.size() == 2);
  CHECK(m.routes.size() == 3);

  // Each one-line canary example, on a route of that example.
  const std::string route = "[[route]]\npath = \"/canary/...\"\ncomponent = \"storefront\"\n";
  for (size_t at = doc->find("\ncanary = {"); at != std::string::npos;
       at = doc->find("\ncanary = {", at + 1)) {
    std::string line = doc->substr(at + 1, doc->find('\n', at + 1) - at - 1);
    line = line.substr(0, line.find('#'));
    const std::string canary_id =
        "shop-v2";  // the examples' name; the example app calls it storefront-v2
    if (size_t id = line.find(canary_id); id != std::string::npos)
      line.replace(id, canary_id.size(), "storefront-v2");
    INFO(line);
    parse_ok(example + route + line + "\n");
  }
}
