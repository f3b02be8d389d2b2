// `edgectl build --aot` (BuildOptions::aot): the built artifact is compiled to native code
// in the aot cache, for real (wasm2c + the C compiler), in a cache under a TempDir.
#include "support.hpp"

#include "build/build.hpp"
#include "manifest/manifest.hpp"
#include "runtime/aot/aot.hpp"

using namespace edgectl;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kManifest = R"([app]
name = "hello"

[[component]]
id = "hello"
source = "hello.wasm"
MAX_SIZE
[component.build]
language = "wat"
)";

constexpr std::string_view kWat = R"((module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 7))))
)";

// A WAT project (compiled in process: no wasm toolchain needed) and its own aot cache.
struct Project {
  TempDir dir{"edgectl-build-aot"};
  TempDir cache{"edgectl-aot-cache"};
  test::ScopedEnv xdg{"XDG_CACHE_HOME", cache.path().string()};

  explicit Project(std::string_view max_size = "") {
    std::string m(kManifest);
    m.replace(m.find("MAX_SIZE"), 8, max_size);
    REQUIRE(write_file_atomic(dir.path() / "edgectl.toml", m).ok());
    REQUIRE(write_file_atomic(dir.path() / "src/main.wat", kWat).ok());
  }
  Result<build::BuildReport> build(build::BuildOptions o) {
    auto m = manifest::load_manifest(dir.path() / "edgectl.toml");
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message()));
    return build::build_app(*m, o);
  }
  Result<build::BuildReport> build_aot() {
    build::BuildOptions o;
    o.aot = true;
    return build(o);
  }
  Bytes artifact() { return *read_file(dir.path() / "hello.wasm"); }
};

bool have_toolchain() {
  auto t = runtime::aot::detect_toolchain();
  if (!t) MESSAGE("skipped: no aot toolchain: " << t.error().message());
  return t.ok();
}

}  // namespace

TEST_CASE("build aot: --aot compiles the artifact into the aot cache, then hits it") {
  if (!have_toolchain()) return;
  Project p;
  std::vector<std::string> progress;
  bool started = false, finished = false;
  build::BuildOptions o;
  o.aot = true;
  o.on_event = [&](const build::BuildEvent& e) {
    if (e.step != "aot") return;
    started |= e.kind == build::BuildEvent::Kind::StepStarted;
    finished |= e.kind == build::BuildEvent::Kind::StepFinished;
    if (e.kind == build::BuildEvent::Kind::Progress) progress.push_back(e.text);
  };
  auto r = p.build(o);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r->warnings.empty());
  const auto& c = r->components.at(0);
  CHECK(c.ok());
  CHECK(c.warnings.empty());
  REQUIRE(c.aot.has_value());
  CHECK_FALSE(c.aot->cache_hit);
  CHECK(c.aot->library_bytes > 0);
  CHECK(c.aot->time.count() > 0);
  CHECK(fs::file_size(c.aot->library) == c.aot->library_bytes);
  CHECK(c.aot->library.string().starts_with(p.cache.path().string()));
  CHECK(started);
  CHECK(finished);
  REQUIRE_FALSE(progress.empty());  // the compile's own steps: translating, compiling, linking
  CHECK(progress.back() == "linking");

  // What `run` will look up: the artifact's bytes with the same toolchain give the same entry.
  auto toolchain = runtime::aot::detect_toolchain();
  REQUIRE(toolchain.ok());
  auto hit = runtime::aot::lookup(p.artifact(), *toolchain);
  REQUIRE(hit.has_value());
  CHECK(hit->key == c.aot->key);

  auto entries = runtime::aot::list_cache();
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 1);
  CHECK((*entries)[0].key == c.aot->key);
  CHECK((*entries)[0].name == "hello.wasm");

  // The same artifact again, up to date: a cache hit, nothing compiled.
  progress.clear();
  auto again = p.build(o);
  REQUIRE(again.ok());
  const auto& c2 = again->components.at(0);
  CHECK(c2.up_to_date);
  REQUIRE(c2.aot.has_value());
  CHECK(c2.aot->cache_hit);
  CHECK(c2.aot->key == c.aot->key);
  CHECK(progress.empty());
}

TEST_CASE("build aot: without --aot nothing is compiled to native code") {
  Project p;
  auto r = p.build({});
  REQUIRE(r.ok());
  CHECK_FALSE(r->components.at(0).aot.has_value());
  CHECK(r->warnings.empty());
  CHECK_FALSE(fs::exists(runtime::aot::cache_dir()));
}

TEST_CASE("build aot: a component that fails its checks is not pre-compiled") {
  if (!have_toolchain()) return;
  Project p("max_size = \"10B\"");
  auto r = p.build_aot();
  REQUIRE(r.ok());
  const auto& c = r->components.at(0);
  REQUIRE(c.failures.size() == 1);
  CHECK(c.failures[0].check == "budget");
  CHECK_FALSE(c.aot.has_value());
  CHECK(fs::exists(p.dir.path() / "hello.wasm"));  // the artifact is still written
}

TEST_CASE("build aot: without wasm2c the build succeeds with a warning naming what to install") {
  Project p;
  TempDir empty{"edgectl-no-tools"};
  test::ScopedEnv path{"PATH", empty.path().string()};  // no wasm2c, no C compiler
  auto r = p.build_aot();
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r->ok());
  const auto& c = r->components.at(0);
  CHECK_FALSE(c.aot.has_value());
  CHECK(c.sha256.size() == 64);
  REQUIRE(r->warnings.size() == 1);
  const Diagnostic& w = r->warnings[0];
  CHECK(w.severity == Severity::Warning);
  CHECK_MESSAGE(w.message.find("wasm2c is not installed") != std::string::npos, w.message);
  REQUIRE_FALSE(w.notes.empty());
  CHECK(w.notes[0].find("apt-get install wabt") != std::string::npos);
}

TEST_CASE("build aot: a failed native compile is a warning on the component, the build succeeds") {
  if (!have_toolchain() || !find_program("false")) return;
  Project p;
  test::ScopedEnv cc{"EDGECTL_CC", std::string("false")};  // a C compiler that always fails
  auto r = p.build_aot();
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r->ok());
  CHECK(r->warnings.empty());
  const auto& c = r->components.at(0);
  CHECK_FALSE(c.aot.has_value());
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0].severity == Severity::Warning);
  CHECK_MESSAGE(c.warnings[0].message.find("component 'hello': cannot compile hello.wasm to native code: ") == 0,
                c.warnings[0].message);
  CHECK(fs::exists(p.dir.path() / "hello.wasm"));
  // Nothing half-built left behind: the cache records the failure (meta.json only), so the
  // next build or serve says so at once instead of compiling again.
  auto entries = runtime::aot::list_cache();
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 1);
  CHECK(entries->at(0).failure.find("compiling the generated C failed") == 0);
  CHECK_FALSE(fs::exists(entries->at(0).path / "module.so"));
}
