// The aot engine's on-disk cache: hits and misses, concurrent writers in separate processes,
// corrupt and foreign entries, keys that follow the compiler flags, and the split compile.
// Each test case has its own XDG_CACHE_HOME (a TempDir). Skipped without wasm2c or cc.
#include <fstream>
#include <set>
#include <thread>

#include "runtime/aot/aot.hpp"
#include "runtime/tiered.hpp"
#include "runtime/engine_support.hpp"
#include "util/fs.hpp"
#include "util/process.hpp"

namespace edgectl::runtime {
namespace {

namespace fs = std::filesystem;
using test::ScopedEnv;

constexpr std::string_view kAdder = R"((module
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "twice") (param i32) (result i32) (call $add (local.get 0) (local.get 0))))
)";

bool have_toolchain() {
  auto t = aot::detect_toolchain();
  if (!t) MESSAGE("skipped: " << t.error().message());
  return t.ok();
}

std::vector<fs::path> entries(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

int32_t add_on(Engine& engine, const Bytes& bytes, int32_t a, int32_t b) {
  auto module = test::load(engine, bytes);
  CHECK(module->engine() == "aot");
  auto o = test::invoke_fresh(*module, "add", {a, b});
  REQUIRE(o.status == RunOutcome::Status::Returned);
  return std::get<int32_t>(o.results[0]);
}

TEST_CASE("aot cache: a miss compiles, a hit loads, and an entry is a library and its metadata") {
  if (!have_toolchain()) return;
  TempDir home;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  const Bytes bytes = test::wat(kAdder);
  auto toolchain = aot::detect_toolchain();
  REQUIRE(toolchain.ok());
  CHECK_FALSE(aot::lookup(bytes, *toolchain).has_value());

  auto first = aot::compile(bytes, *toolchain, {});
  REQUIRE(first.ok());
  CHECK_FALSE(first->cache_hit);
  auto second = aot::compile(bytes, *toolchain, {});
  REQUIRE(second.ok());
  CHECK(second->cache_hit);
  CHECK(second->key == first->key);
  CHECK(aot::lookup(bytes, *toolchain).has_value());

  const fs::path dir = aot::cache_dir();
  CHECK(dir == home.path() / "edgectl" / "aot");
  auto all = entries(dir);
  REQUIRE(all.size() == 1);
  CHECK(all[0].filename() == first->key);
  CHECK(entries(all[0]) == std::vector<fs::path>{all[0] / "meta.json", all[0] / "module.so"});

  auto engine = make_engine("aot");
  REQUIRE(engine.ok());
  CHECK(add_on(**engine, bytes, 2, 40) == 42);
}

TEST_CASE("aot cache: concurrent writers in separate processes publish one complete entry") {
  if (!have_toolchain()) return;
  TempDir home, work;
  const fs::path module = work.path() / "adder.wasm";
  REQUIRE(write_file_atomic(module, test::wat(kAdder)).ok());
  constexpr int kWriters = 4;
  std::vector<std::string> outputs(kWriters);
  std::vector<int> codes(kWriters, -1);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      ProcessSpec spec;
      spec.argv = {test::edgectl_binary().string(), "run", "--engine", "aot", "--invoke", "add",
                   module.string(), "20", std::to_string(i)};
      spec.env_overrides = {{"XDG_CACHE_HOME", home.path().string()}};
      spec.on_output = [&, i](OutputStream s, std::string_view chunk) {
        if (s == OutputStream::Stdout) outputs[i].append(chunk);
      };
      auto r = run_process(spec);
      if (r) codes[i] = r->exit_code;
    });
  for (auto& w : writers) w.join();
  for (int i = 0; i < kWriters; ++i) {
    CAPTURE(i);
    CHECK(codes[i] == 0);
    CHECK(outputs[i] == std::to_string(20 + i) + "\n");
  }
  // One entry, nothing half-written or left over.
  auto all = entries(home.path() / "edgectl" / "aot");
  REQUIRE(all.size() == 1);
  CHECK(entries(all[0]).size() == 2);
}

TEST_CASE("aot cache: a corrupt or foreign entry is detected and rebuilt") {
  if (!have_toolchain()) return;
  TempDir home;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  auto toolchain = aot::detect_toolchain();
  REQUIRE(toolchain.ok());
  const Bytes adder = test::wat(kAdder);
  auto compiled = aot::compile(adder, *toolchain, {});
  REQUIRE(compiled.ok());

  SUBCASE("a truncated library") {
    fs::resize_file(compiled->library, 100);
    CHECK_FALSE(aot::lookup(adder, *toolchain).has_value());
    auto again = aot::compile(adder, *toolchain, {});
    REQUIRE(again.ok());
    CHECK_FALSE(again->cache_hit);
    CHECK(fs::file_size(again->library) > 100);
  }
  SUBCASE("garbage metadata") {
    REQUIRE(write_file_atomic(compiled->library.parent_path() / "meta.json", std::string_view("{not json")).ok());
    CHECK_FALSE(aot::lookup(adder, *toolchain).has_value());
  }
  SUBCASE("another module's library under this key") {
    // Same size and metadata, wrong library: only the key embedded in the library tells.
    const Bytes other = test::wat(R"((module
      (func (export "add") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
      (func (export "twice") (param i32) (result i32) (local.get 0))))");
    auto foreign = aot::compile(other, *toolchain, {});
    REQUIRE(foreign.ok());
    fs::copy_file(foreign->library, compiled->library, fs::copy_options::overwrite_existing);
    auto meta = read_text_file(compiled->library.parent_path() / "meta.json");
    REQUIRE(meta.ok());
    std::string patched = *meta;
    const std::string size_field = "\"library_bytes\": " + std::to_string(compiled->library_bytes);
    auto at = patched.find(size_field);
    REQUIRE(at != std::string::npos);
    patched.replace(at, size_field.size(),
                    "\"library_bytes\": " + std::to_string(fs::file_size(foreign->library)));
    REQUIRE(write_file_atomic(compiled->library.parent_path() / "meta.json", patched).ok());
  }
  // Whatever was broken, the engine runs the right code.
  auto engine = make_engine("aot");
  REQUIRE(engine.ok());
  CHECK(add_on(**engine, adder, 5, 3) == 8);
}

TEST_CASE("aot cache: the key follows the compiler flags") {
  if (!have_toolchain()) return;
  TempDir home;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  const Bytes bytes = test::wat(kAdder);
  std::string plain_key, tuned_key;
  {
    ScopedEnv flags("EDGECTL_AOT_CFLAGS", std::nullopt);
    auto t = aot::detect_toolchain();
    REQUIRE(t.ok());
    plain_key = aot::cache_key(bytes, *t);
    REQUIRE(aot::compile(bytes, *t, {}).ok());
  }
  {
    ScopedEnv flags("EDGECTL_AOT_CFLAGS", std::string("-fno-tree-vectorize"));
    auto t = aot::detect_toolchain();
    REQUIRE(t.ok());
    tuned_key = aot::cache_key(bytes, *t);
    CHECK_FALSE(aot::lookup(bytes, *t).has_value());  // not the plain build
    REQUIRE(aot::compile(bytes, *t, {}).ok());
  }
  CHECK(plain_key != tuned_key);
  auto listed = aot::list_cache();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  bool saw_flag = false;
  for (const auto& e : *listed) saw_flag |= e.flags.find("-fno-tree-vectorize") != std::string::npos;
  CHECK(saw_flag);
  auto freed = aot::clear_cache();
  REQUIRE(freed.ok());
  CHECK(*freed > 0);
  CHECK(aot::list_cache()->empty());
}

TEST_CASE("aot cache: a module compiled in parallel parts runs as one") {
  if (!have_toolchain()) return;
  TempDir home;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  // Many functions calling each other across what become different parts, a data segment
  // and an indirect call through the table.
  const Bytes bytes = test::compile_c(R"(
    static const char message[] = "parts";
    typedef int (*op)(int);
    __attribute__((noinline)) int f0(int x) { return x + message[0]; }
    __attribute__((noinline)) int f1(int x) { return f0(x) * 3; }
    __attribute__((noinline)) int f2(int x) { return f1(x) - message[4]; }
    __attribute__((noinline)) int f3(int x) { return f2(x) ^ 0x55; }
    __attribute__((noinline)) int f4(int x) { return f3(x) + f0(x); }
    __attribute__((noinline)) int f5(int x) { return f4(x) * f1(x); }
    op table[] = {f0, f1, f2, f3, f4, f5};
    __attribute__((export_name("run"))) int run(int n) {
      int acc = 0;
      for (int i = 0; i < n; ++i) acc += table[i % 6](i);
      return acc;
    }
  )", {"-O1", "--target=wasm32", "-nostdlib", "-Wl,--no-entry"});
  auto toolchain = aot::detect_toolchain();
  REQUIRE(toolchain.ok());
  aot::CompileOptions split;
  split.min_split_bytes = 0;
  split.jobs = 3;
  std::vector<std::string> steps;
  split.on_progress = [&](std::string_view s) { steps.emplace_back(s); };
  auto compiled = aot::compile(bytes, *toolchain, split);
  REQUIRE(compiled.ok());
  bool split_compile = false;
  for (const auto& s : steps) split_compile |= s.find(" parts with ") != std::string::npos && s.find("(3 at a time)") != std::string::npos;
  CHECK(split_compile);

  auto aot_engine = make_engine("aot");  // a cache hit: the split build
  REQUIRE(aot_engine.ok());
  auto native = test::load(**aot_engine, bytes);
  REQUIRE(native->engine() == "aot");
  auto interp = test::load(*test::interp_engine(), bytes);
  for (int32_t n : {0, 1, 7, 100}) {
    CAPTURE(n);
    auto a = test::invoke_fresh(*native, "run", {n});
    auto b = test::invoke_fresh(*interp, "run", {n});
    REQUIRE(a.status == RunOutcome::Status::Returned);
    CHECK(std::get<int32_t>(a.results[0]) == std::get<int32_t>(b.results[0]));
  }
}

TEST_CASE("aot cache: the quick tier is an entry of its own, -O0, and runs the same") {
  if (!have_toolchain()) return;
  TempDir home;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  const Bytes bytes = test::wat(kAdder);
  auto toolchain = aot::detect_toolchain();
  REQUIRE(toolchain.ok());
  aot::CompileOptions quick;
  quick.tier = aot::Tier::Quick;
  auto q = aot::compile(bytes, *toolchain, quick);
  REQUIRE(q.ok());
  CHECK(q->tier == aot::Tier::Quick);
  CHECK(q->flags.starts_with("-O0 "));
  CHECK_FALSE(aot::lookup(bytes, *toolchain).has_value());  // not the optimized tier
  auto o = aot::compile(bytes, *toolchain, {});
  REQUIRE(o.ok());
  CHECK(o->key != q->key);
  CHECK(o->tier == aot::Tier::Optimized);
  REQUIRE(aot::lookup(bytes, *toolchain, {}, aot::Tier::Quick).has_value());
  auto listed = aot::list_cache();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  std::set<std::string> tiers;
  for (const auto& e : *listed) tiers.insert(e.tier);
  CHECK(tiers == std::set<std::string>{"optimized", "quick"});

  auto engine = make_engine("aot");
  REQUIRE(engine.ok());
  LoadOptions options;
  options.quick_native = true;
  auto module = test::load(**engine, bytes, options);
  CHECK(module->native_tier() == "quick");
  auto r = test::invoke_fresh(*module, "add", {int32_t{2}, int32_t{40}});
  REQUIRE(r.status == RunOutcome::Status::Returned);
  CHECK(std::get<int32_t>(r.results[0]) == 42);
  CHECK(test::load(**engine, bytes)->native_tier() == "optimized");
}

TEST_CASE("aot cache: a module the toolchain refuses is recorded, and the same error returns at once") {
  if (!have_toolchain()) return;
  TempDir home;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  // wasm2c 1.0.32 aborts on a v128 parameter.
  const Bytes bytes = test::wat(R"((module (func (export "lane") (param v128) (result i32)
    (i32x4.extract_lane 0 (local.get 0)))))");
  auto toolchain = aot::detect_toolchain();
  REQUIRE(toolchain.ok());
  auto first = aot::compile(bytes, *toolchain, {});
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().message().find("wasm2c") != std::string::npos);
  auto listed = aot::list_cache();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].failure == first.error().message());
  CHECK(entries((*listed)[0].path) == std::vector<fs::path>{(*listed)[0].path / "meta.json"});

  auto again = aot::compile(bytes, *toolchain, {});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message() == first.error().message());
  bool recorded = false;
  for (const auto& n : again.error().primary().notes) recorded |= n.find("recorded in the aot cache") != std::string::npos;
  CHECK(recorded);
  CHECK_FALSE(aot::lookup(bytes, *toolchain).has_value());

  // Under auto: a warning (not silence), native_failure() set, and the module still runs.
  auto engine = make_engine("auto");
  REQUIRE(engine.ok());
  std::vector<std::string> warnings;
  LoadOptions options;
  options.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
  auto module = test::load_any(**engine, bytes, options);
  CHECK_FALSE(wait_for_native(**engine, *module, std::chrono::seconds(30)));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("stays on the interpreter") != std::string::npos);
  CHECK(module->native_failure().ends_with(first.error().message()));

  REQUIRE(aot::clear_cache().ok());
  listed = aot::list_cache();
  REQUIRE(listed.ok());
  CHECK(listed->empty());
}

}  // namespace
}  // namespace edgectl::runtime
