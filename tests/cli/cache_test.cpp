// `edgectl cache list|clear` (cli/cmd_cache.cpp), run as a program against an aot cache in
// a TempDir ($XDG_CACHE_HOME), filled for real by runtime::aot::compile.
#include <nlohmann/json.hpp>

#include "runtime/aot/aot.hpp"
#include "support.hpp"
#include "util/sha256.hpp"

using namespace edgectl;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

struct Cache {
  TempDir home{"edgectl-cache-cli"};
  test::ScopedEnv xdg{"XDG_CACHE_HOME", home.path().string()};  // for compile() in this process
  fs::path dir() const { return home.path() / "edgectl" / "aot"; }

  test::CommandOutput edgectl(const std::vector<std::string>& args) const {
    return test::run_edgectl(args, {}, {{"XDG_CACHE_HOME", home.path().string()}});
  }
  Json json(const std::vector<std::string>& args) const {
    auto r = edgectl(args);
    INFO("edgectl stderr: ", r.err);
    CHECK(r.exit_code == 0);
    Json j = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    REQUIRE_MESSAGE(j.is_object(), r.out);
    return j;
  }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("cache cli: an empty cache says so and where it is") {
  Cache c;
  auto list = c.edgectl({"cache", "list"});
  CHECK(list.exit_code == 0);
  CHECK_MESSAGE(contains(list.out, "The aot cache is empty (" + c.dir().string() + ")"), list.out);

  Json j = c.json({"cache", "list", "--json"});
  CHECK(j["ok"] == true);
  CHECK(j["path"] == c.dir().string());
  CHECK(j["total_bytes"] == 0);
  CHECK(j["entries"].empty());

  auto clear = c.edgectl({"cache", "clear"});
  CHECK(clear.exit_code == 0);
  CHECK_MESSAGE(contains(clear.out, "already empty"), clear.out);
  Json cleared = c.json({"cache", "clear", "--json"});
  CHECK(cleared["removed_entries"] == 0);
  CHECK(cleared["freed_bytes"] == 0);
}

TEST_CASE("cache cli: list shows a compiled module, clear removes it") {
  auto toolchain = runtime::aot::detect_toolchain();
  if (!toolchain) {
    MESSAGE("skipped: no aot toolchain: " << toolchain.error().message());
    return;
  }
  Cache c;
  Bytes module = test::wat("(module (func (export \"answer\") (result i32) (i32.const 42)))");
  runtime::aot::CompileOptions options;
  options.name = "answer.wasm";
  auto compiled = runtime::aot::compile(module, *toolchain, options);
  REQUIRE_MESSAGE(compiled.ok(), (compiled.ok() ? "" : compiled.error().message()));
  const std::string sha = sha256_hex(module);

  auto list = c.edgectl({"cache", "list"});
  CHECK(list.exit_code == 0);
  INFO("cache list: ", list.out);
  for (const char* header : {"module", "wasm sha256", "size", "compiler", "flags", "created"})
    CHECK(contains(list.out, header));
  CHECK(contains(list.out, "answer.wasm  " + sha.substr(0, 12) + "  "));
  CHECK(contains(list.out, compiled->flags));
  CHECK(contains(list.out, "total  1 entry, "));
  CHECK(contains(list.out, " in " + c.dir().string() + "\n"));

  Json j = c.json({"cache", "list", "--json"});
  REQUIRE(j["entries"].size() == 1);
  const Json& e = j["entries"][0];
  CHECK(e["key"] == compiled->key);
  CHECK(e["name"] == "answer.wasm");
  CHECK(e["wasm_sha256"] == sha);
  CHECK(e["flags"] == compiled->flags);
  CHECK(e["bytes"].get<uint64_t>() > compiled->library_bytes);  // the library and its metadata
  CHECK(e["path"] == (c.dir() / compiled->key).string());
  CHECK(j["total_bytes"] == e["bytes"]);
  CHECK_FALSE(e["compiler"].get<std::string>().empty());
  CHECK(e["created"].get<std::string>().ends_with("Z"));

  auto clear = c.edgectl({"cache", "clear"});
  CHECK(clear.exit_code == 0);
  CHECK_MESSAGE(contains(clear.out, "Removed 1 entry, "), clear.out);
  CHECK_FALSE(fs::exists(c.dir() / compiled->key));
  CHECK(c.json({"cache", "list", "--json"})["entries"].empty());
  CHECK_FALSE(runtime::aot::lookup(module, *toolchain).has_value());

  // --json reports what went: compile again and clear.
  REQUIRE(runtime::aot::compile(module, *toolchain, {}).ok());
  Json cleared = c.json({"cache", "clear", "--json"});
  CHECK(cleared["ok"] == true);
  CHECK(cleared["removed_entries"] == 1);
  CHECK(cleared["freed_bytes"].get<uint64_t>() > 0);
  CHECK(cleared["path"] == c.dir().string());
}

TEST_CASE("cache cli: a cache that cannot be read is an error with exit status 1") {
  Cache c;
  // A file where the cache folder should be.
  REQUIRE(write_file_atomic(c.dir(), std::string_view("not a folder")).ok());
  for (const char* verb : {"list", "clear"}) {
    CAPTURE(verb);
    auto r = c.edgectl({"cache", verb});
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(contains(r.err, "error: cannot read the aot cache " + c.dir().string()), r.err);
    auto j = c.edgectl({"cache", verb, "--json"});
    CHECK(j.exit_code == 1);
    Json err = Json::parse(j.out, nullptr, false);
    REQUIRE(err.is_object());
    CHECK(err["ok"] == false);
    CHECK(contains(err["errors"][0]["message"].get<std::string>(), "cannot read the aot cache"));
  }
  auto usage = c.edgectl({"cache"});
  CHECK(usage.exit_code == 2);  // a subcommand is required
}
