#include "support.hpp"

#include "build/build.hpp"
#include "manifest/manifest.hpp"
#include "util/sha256.hpp"

using namespace edgectl;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHelloC = R"(#include <stdio.h>
int main(void) { printf("Content-Type: text/plain\n\nhello\n"); return 0; }
)";

// A project folder with an edgectl.toml and sources, built through the real pipeline.
struct Project {
  TempDir dir{"edgectl-build"};
  void write(const std::string& rel, std::string_view text) { REQUIRE(write_file_atomic(dir.path() / rel, text).ok()); }
  manifest::Manifest manifest() {
    auto m = manifest::load_manifest(dir.path() / "edgectl.toml");
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message()));
    return std::move(m).value();
  }
  Result<build::BuildReport> build(build::BuildOptions o = {}) {
    auto m = manifest();
    return build::build_app(m, o);
  }
  Bytes artifact(const std::string& rel = "hello.wasm") { return *read_file(dir.path() / rel); }
};

std::string c_manifest(std::string_view extra = "") {
  return std::string(R"([app]
name = "hello"

[[component]]
id = "hello"
source = "hello.wasm"
)") + std::string(extra) + R"(
[component.build]
language = "c"

[[route]]
path = "/..."
component = "hello"
)";
}

const build::StepReport* step(const build::ComponentReport& c, std::string_view name) {
  for (const auto& s : c.steps)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("build: C component compiles, strips, optimizes and writes the artifact") {
  Project p;
  p.write("edgectl.toml", c_manifest("max_size = \"256KiB\"\n"));
  p.write("src/main.c", kHelloC);
  auto r = p.build();
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  REQUIRE(r->components.size() == 1);
  const auto& c = r->components[0];
  CHECK(c.ok());
  CHECK(c.compiled);
  CHECK(c.recipe.rfind("c (clang", 0) == 0);
  CHECK(c.raw_size > c.stripped_size);
  CHECK(c.stripped_size >= c.optimized_size);
  Bytes out = p.artifact();
  CHECK(out.size() == c.optimized_size);
  CHECK(sha256_hex(out) == c.sha256);
  CHECK(wasm::validate(out, "hello.wasm", wasm::runtime_features()).ok());
  for (auto name : {"compile", "validate", "strip", "optimize", "write", "check"}) CHECK_MESSAGE(step(c, name), name);
  auto info = wasm::inspect(out, "hello.wasm");
  REQUIRE(info.ok());
  CHECK(info->kind == wasm::ModuleKind::Command);
  CHECK_FALSE(info->has_names);
}

TEST_CASE("build: incremental — unchanged inputs are up to date, changes rebuild") {
  Project p;
  p.write("edgectl.toml", c_manifest());
  p.write("src/main.c", kHelloC);
  REQUIRE(p.build().ok());
  Bytes first = p.artifact();

  auto again = p.build();
  REQUIRE(again.ok());
  CHECK(again->components[0].up_to_date);
  CHECK_FALSE(again->components[0].compiled);
  CHECK(step(again->components[0], "compile")->skipped);
  CHECK(p.artifact() == first);

  SUBCASE("a changed source recompiles") {
    p.write("src/main.c", std::string(kHelloC) + "int unused_global = 42;\n");
    auto r = p.build();
    REQUIRE(r.ok());
    CHECK(r->components[0].compiled);
  }
  SUBCASE("a new header under the default watch globs recompiles") {
    p.write("src/extra.h", "#define X 1\n");
    auto r = p.build();
    REQUIRE(r.ok());
    CHECK(r->components[0].compiled);
  }
  SUBCASE("a different opt level reuses the compile and re-optimizes") {
    build::BuildOptions o;
    o.opt_level = wasm::OptLevel::O0;
    auto r = p.build(o);
    REQUIRE(r.ok());
    CHECK_FALSE(r->components[0].compiled);
    CHECK_FALSE(r->components[0].up_to_date);
    CHECK(r->components[0].optimized_size == r->components[0].stripped_size);
  }
  SUBCASE("--force rebuilds everything") {
    build::BuildOptions o;
    o.rebuild = build::Rebuild::Always;
    auto r = p.build(o);
    REQUIRE(r.ok());
    CHECK(r->components[0].compiled);
  }
  SUBCASE("a tampered artifact is rewritten") {
    REQUIRE(write_file_atomic(p.dir.path() / "hello.wasm", std::string_view("tampered")).ok());
    auto r = p.build();
    REQUIRE(r.ok());
    CHECK_FALSE(r->components[0].up_to_date);
    CHECK(p.artifact() == first);
  }
}

TEST_CASE("build: a failed compile leaves the previous artifact untouched and no temporaries") {
  Project p;
  p.write("edgectl.toml", c_manifest());
  p.write("src/main.c", kHelloC);
  REQUIRE(p.build().ok());
  Bytes good = p.artifact();
  auto mtime = fs::last_write_time(p.dir.path() / "hello.wasm");

  p.write("src/main.c", "int main(void) { return syntax error; }\n");
  std::string tool_output;
  build::BuildOptions o;
  o.on_event = [&](const build::BuildEvent& e) {
    if (e.kind == build::BuildEvent::Kind::ToolOutput) tool_output += e.text;
  };
  auto r = p.build(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("component 'hello'") != std::string::npos);
  CHECK(tool_output.find("error") != std::string::npos);  // clang's own diagnostics streamed
  CHECK(p.artifact() == good);
  CHECK(fs::last_write_time(p.dir.path() / "hello.wasm") == mtime);
  for (const auto& e : fs::directory_iterator(p.dir.path()))
    CHECK_MESSAGE(e.path().filename().string().find(".tmp") == std::string::npos, e.path());
}

TEST_CASE("build: size budget failure reports the excess in bytes") {
  Project p;
  p.write("edgectl.toml", c_manifest("max_size = \"100B\"\n"));
  p.write("src/main.c", kHelloC);
  auto r = p.build();
  REQUIRE(r.ok());
  CHECK_FALSE(r->ok());
  const auto& c = r->components[0];
  REQUIRE(c.failures.size() == 1);
  CHECK(c.failures[0].check == "budget");
  std::string excess = std::to_string(c.optimized_size - 100) + " bytes over";
  CHECK_MESSAGE(c.failures[0].diagnostic.message.find(excess) != std::string::npos, c.failures[0].diagnostic.message);
  auto where = std::get<TextLocation>(c.failures[0].diagnostic.location);
  CHECK(where.line == 7);  // the max_size line of the manifest
}

TEST_CASE("build: profiles - dev skips optimize and warns over budget, switching profile rebuilds") {
  Project p;
  p.write("edgectl.toml", c_manifest("max_size = \"100B\"\n"));
  p.write("src/main.c", kHelloC);
  build::BuildOptions dev;
  dev.profile = build::BuildProfile::Dev;
  auto d = p.build(dev);
  REQUIRE_MESSAGE(d.ok(), (d.ok() ? "" : d.error().message()));
  const auto& dc = d->components[0];
  CHECK(dc.profile == build::BuildProfile::Dev);
  CHECK(step(dc, "strip"));
  CHECK_FALSE(step(dc, "optimize"));
  CHECK(dc.optimized_size == dc.stripped_size);
  // Over budget in dev: a warning naming the budget and the size, not a failure.
  CHECK(d->ok());
  REQUIRE(dc.warnings.size() == 1);
  CHECK(dc.warnings[0].severity == Severity::Warning);
  const std::string& message = dc.warnings[0].message;
  CHECK_MESSAGE(message.find("max_size budget of 100 bytes") != std::string::npos, message);
  CHECK_MESSAGE(message.find(std::to_string(dc.optimized_size) + " bytes") != std::string::npos, message);
  CHECK(std::get<TextLocation>(dc.warnings[0].location).line == 7);
  CHECK(build::built_profile(p.manifest(), p.manifest().components[0]) == build::BuildProfile::Dev);

  auto again = p.build(dev);
  REQUIRE(again.ok());
  CHECK(again->components[0].up_to_date);

  // Release from the same sources: the compile is reused, the rest redone, and over budget fails.
  auto r = p.build();
  REQUIRE(r.ok());
  const auto& rc = r->components[0];
  CHECK(rc.profile == build::BuildProfile::Release);
  CHECK_FALSE(rc.up_to_date);
  CHECK_FALSE(rc.compiled);
  CHECK(step(rc, "optimize"));
  CHECK_FALSE(r->ok());
  REQUIRE(rc.failures.size() == 1);
  CHECK(rc.failures[0].check == "budget");
  CHECK(build::built_profile(p.manifest(), p.manifest().components[0]) == build::BuildProfile::Release);

  auto back = p.build(dev);
  REQUIRE(back.ok());
  CHECK_FALSE(back->components[0].up_to_date);
  CHECK(p.artifact().size() == back->components[0].optimized_size);

  // A file changed after its build has no recorded profile.
  REQUIRE(write_file_atomic(p.dir.path() / "hello.wasm", std::string_view("changed")).ok());
  CHECK_FALSE(build::built_profile(p.manifest(), p.manifest().components[0]));
}

TEST_CASE("build: profiles - the option overrides [component.build] profile, which overrides the default") {
  Project p;
  p.write("edgectl.toml", c_manifest());
  p.write("src/main.c", kHelloC);
  auto m = p.manifest();
  build::BuildOptions o;
  CHECK(build::profile_for(m.components[0], o) == build::BuildProfile::Release);
  o.default_profile = build::BuildProfile::Dev;  // serve --watch
  CHECK(build::profile_for(m.components[0], o) == build::BuildProfile::Dev);

  std::string text = c_manifest();
  const std::string language = "language = \"c\"";
  text.replace(text.find(language), language.size(), language + "\nprofile = \"release\"");
  p.write("edgectl.toml", text);
  m = p.manifest();
  CHECK(build::profile_for(m.components[0], o) == build::BuildProfile::Release);
  o.profile = build::BuildProfile::Dev;  // build --profile dev
  CHECK(build::profile_for(m.components[0], o) == build::BuildProfile::Dev);
  auto r = build::build_app(m, o);
  REQUIRE(r.ok());
  CHECK(r->components[0].profile == build::BuildProfile::Dev);
  CHECK_FALSE(step(r->components[0], "optimize"));
}

TEST_CASE("build: import policy names each offending import - the edgectl host API is checked by signature") {
  Project p;
  p.write("edgectl.toml", R"([app]
name = "pol"
[[component]]
id = "pol"
source = "pol.wasm"
[component.build]
language = "wat"
)");
  p.write("src/main.wat", R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (import "env" "secret" (func $secret (param i32) (result i32)))
    (import "edgectl" "kv_get" (func $kv_get (param i32)))
    (import "edgectl" "kv_exists" (func $kv_exists (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    ;; the imports are used, so the optimizer keeps them
    (func (export "_start")
      (call $kv_get (call $secret (i32.const 1)))
      (drop (call $kv_exists (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (call $exit (i32.const 0))))
  )");
  auto r = p.build();
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  const auto& c = r->components[0];
  // env.secret is not provided; edgectl.kv_get has the wrong type; edgectl.kv_exists is fine.
  REQUIRE(c.failures.size() == 2);
  CHECK(c.failures[0].check == "imports");
  std::string all = c.failures[0].diagnostic.message + "\n" + c.failures[1].diagnostic.message;
  CHECK(all.find("env.secret") != std::string::npos);
  CHECK(all.find("import 'edgectl.kv_get' has type (i32) -> (), but the edgectl host API declares") != std::string::npos);
  CHECK(all.find("kv_exists") == std::string::npos);
}

TEST_CASE("build: a prebuilt component is checked, never rewritten") {
  Project p;
  p.write("edgectl.toml", R"([app]
name = "pre"
[[component]]
id = "pre"
source = "pre.wasm"
)");
  Bytes module = test::wat("(module (memory (export \"memory\") 1) (func (export \"_start\")))");
  REQUIRE(write_file_atomic(p.dir.path() / "pre.wasm", module).ok());
  auto r = p.build();
  REQUIRE(r.ok());
  CHECK(r->components[0].recipe == "prebuilt");
  CHECK(p.artifact("pre.wasm") == module);

  fs::remove(p.dir.path() / "pre.wasm");
  auto missing = p.build();
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("does not exist") != std::string::npos);
}

TEST_CASE("build: command recipes write to $EDGECTL_OUTPUT") {
  Project p;
  p.write("edgectl.toml", R"([app]
name = "cmd"
[[component]]
id = "cmd"
source = "out/cmd.wasm"
[component.build]
command = "wat2wasm src/m.wat -o \"$EDGECTL_OUTPUT\""
watch = ["src/*.wat"]
)");
  p.write("src/m.wat", "(module (memory (export \"memory\") 1) (func (export \"_start\")))");
  auto r = p.build();
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r->components[0].recipe == "command");
  CHECK(fs::exists(p.dir.path() / "out/cmd.wasm"));
  CHECK(p.build()->components[0].up_to_date);

  p.write("edgectl.toml", R"([app]
name = "cmd"
[[component]]
id = "cmd"
source = "cmd.wasm"
[component.build]
command = "true"
)");
  auto none = p.build();
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message().find("wrote no module") != std::string::npos);
}

TEST_CASE("build: a missing toolchain names what to install") {
  if (find_program("tinygo")) return;  // only meaningful where TinyGo is absent
  Project p;
  p.write("edgectl.toml", R"([app]
name = "tg"
[[component]]
id = "tg"
source = "tg.wasm"
[component.build]
language = "tinygo"
)");
  p.write("main.go", "package main\nfunc main() {}\n");
  auto r = p.build();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("tinygo not found") != std::string::npos);
  REQUIRE_FALSE(r.error().primary().notes.empty());
  CHECK(r.error().primary().notes[0].find("tinygo.org") != std::string::npos);
}
