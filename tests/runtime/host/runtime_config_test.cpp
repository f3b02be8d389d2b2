// The runtime config (core/runtime/host/runtime_config.hpp): [kv.NAME] tables read into
// store settings, every mistake reported with file:line:col (and never a Redis password),
// and the open_store hook serve builds from it. Named "kv ..." to run with the stores' tests.
#include <doctest/doctest.h>

#include "runtime/host/runtime_config.hpp"
#include "ui/diagnostic.hpp"
#include "util/fs.hpp"

namespace edgectl::runtime::host {
namespace {

namespace fs = std::filesystem;

const fs::path kFile = "/etc/edgectl/runtime.toml";

// The one diagnostic of a config that must fail, as the CLI prints it (no colour).
std::string error_of(std::string_view text) {
  auto r = parse_runtime_config(text, kFile);
  REQUIRE_FALSE(r.ok());
  return ui::format_error(r.error());
}

TEST_CASE("kv runtime config: redis, sqlite and memory stores, paths relative to the file") {
  auto r = parse_runtime_config(R"(# where this host keeps its stores
[kv.default]
backend = "redis"
url = "redis://:s3cret@127.0.0.1:6379/0"

[kv.sessions]
backend = "sqlite"
path = "data/sessions.db"

[kv.audit]
backend = "sqlite"
path = "/var/lib/edgectl/audit.db"

[kv.local]
backend = "sqlite"

[kv]
cache = { backend = "memory" }
)",
                                kFile);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : ui::format_error(r.error())));
  CHECK(r->file == kFile);
  REQUIRE(r->stores.size() == 5);
  const auto& def = r->stores.at("default");
  CHECK(def.backend == StoreConfig::Backend::Redis);
  CHECK(def.url == "redis://:s3cret@127.0.0.1:6379/0");
  CHECK(def.where.line == 2);
  CHECK(r->stores.at("sessions").backend == StoreConfig::Backend::Sqlite);
  CHECK(r->stores.at("sessions").path == "/etc/edgectl/data/sessions.db");
  CHECK(r->stores.at("audit").path == "/var/lib/edgectl/audit.db");
  CHECK(r->stores.at("local").path.empty());
  CHECK(r->stores.at("cache").backend == StoreConfig::Backend::Memory);

  auto empty = parse_runtime_config("# nothing configured: every store uses serve's default\n", kFile);
  REQUIRE(empty.ok());
  CHECK(empty->stores.empty());
}

TEST_CASE("kv runtime config: an unknown backend is an error at its line") {
  const std::string e = error_of("[kv.default]\nbackend = \"mysql\"\n");
  CHECK(e.find("/etc/edgectl/runtime.toml:2:11: error: unknown backend 'mysql' in [kv.default]") == 0);
  CHECK(e.find("help: backends: redis, sqlite or memory") != std::string::npos);
}

TEST_CASE("kv runtime config: a redis store without a url, or without a backend, is an error at its table") {
  CHECK(error_of("\n[kv.default]\nbackend = \"redis\"\n")
            .find("/etc/edgectl/runtime.toml:2:1: error: [kv.default]: backend \"redis\" needs a url") == 0);
  CHECK(error_of("[kv.default]\nurl = \"redis://h\"\n").find("runtime.toml:1:1: error: [kv.default] has no backend") !=
        std::string::npos);
}

TEST_CASE("kv runtime config: a bad Redis URL is an error at its line, with the password hidden") {
  const std::string e = error_of("[kv.default]\nbackend = \"redis\"\nurl = \"redis://:hunter2@cache:http\"\n");
  CHECK(e.find("/etc/edgectl/runtime.toml:3:7: error: bad Redis URL 'redis://:***@cache:http': the port must be") == 0);
  CHECK(e.find("hunter2") == std::string::npos);  // not in the message, not in the quoted line
  CHECK(e.find("url = \"redis://:***@cache:http\"") != std::string::npos);
}

TEST_CASE("kv runtime config: unknown keys and tables, bad names and types, all reported at once in order") {
  auto r = parse_runtime_config(R"([server]
port = 1
[kv.default]
backend = "sqlite"
ur = "redis://127.0.0.1"
[kv.Users]
backend = "memory"
[kv.cache]
backend = "memory"
path = "x.db"
[kv.sqlite]
backend = "sqlite"
url = "redis://127.0.0.1"
[kv.n]
backend = 1
)",
                                kFile);
  REQUIRE_FALSE(r.ok());
  const auto& d = r.error().diagnostics();
  REQUIRE(d.size() == 6);
  auto line = [&](size_t i) { return std::get<TextLocation>(d[i].location).line; };
  CHECK(d[0].message == "unknown table or key 'server' in the runtime config");
  CHECK(line(0) == 1);
  CHECK(d[1].message == "unknown key 'ur' in [kv.default]");
  CHECK(line(1) == 5);
  CHECK(d[2].message == "'Users' is not a valid store name");
  CHECK(line(2) == 6);
  CHECK(d[3].message == "a memory store has no path");
  CHECK(line(3) == 10);
  CHECK(d[4].message == "url is for backend \"redis\"");
  CHECK(line(4) == 13);
  CHECK(d[5].message == "backend in [kv.n] must be a string");
  CHECK(line(5) == 15);
  for (const auto& x : d) CHECK(std::get<TextLocation>(x.location).file == kFile.string());
}

TEST_CASE("kv runtime config: TOML syntax errors and a missing file name the file") {
  CHECK(error_of("[kv.default\n").find("/etc/edgectl/runtime.toml:1:") == 0);
  auto missing = load_runtime_config("/nonexistent/runtime.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK(ui::format_error(missing.error()).find("/nonexistent/runtime.toml: error: runtime config: ") == 0);
}

TEST_CASE("kv runtime config: open_store opens named stores as configured and leaves others to the default") {
  TempDir dir;
  const fs::path file = dir.path() / "runtime.toml";
  REQUIRE(write_file_atomic(file, std::string(R"([kv.cache]
backend = "memory"
[kv.sessions]
backend = "sqlite"
path = "data/sessions.db"
[kv.local]
backend = "sqlite"
[kv.shared]
backend = "redis"
url = "redis://:pw@127.0.0.1:1/0"
)")).ok());
  auto config = load_runtime_config(file);
  REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : ui::format_error(config.error())));
  auto open = store_opener(std::move(*config), dir.path() / "kv");

  auto other = open("default");
  REQUIRE(other.ok());
  CHECK(*other == nullptr);  // not configured: serve's default backend

  auto cache = open("cache");
  REQUIRE(cache.ok());
  CHECK((*cache)->describe() == "memory");

  auto sessions = open("sessions");
  REQUIRE(sessions.ok());
  CHECK((*sessions)->describe() == "sqlite " + (dir.path() / "data" / "sessions.db").string());
  CHECK(fs::exists(dir.path() / "data" / "sessions.db"));

  auto local = open("local");
  REQUIRE(local.ok());
  CHECK((*local)->describe() == "sqlite " + (dir.path() / "kv" / "local.db").string());

  // Redis connects when the store is first opened (nothing listens on port 1).
  auto shared = open("shared");
  REQUIRE_FALSE(shared.ok());
  CHECK(shared.error().message() == "key-value store 'shared' (redis 127.0.0.1:1 db 0): connection refused");
}

}  // namespace
}  // namespace edgectl::runtime::host
