// The auto engine's switch from the interpreter to native code, under load, and how aot and
// auto treat a fuel limit (native code does not count instructions).
#include <atomic>
#include <thread>

#include "runtime/aot/aot.hpp"
#include "runtime/engine_support.hpp"
#include "runtime/tiered.hpp"
#include "util/fs.hpp"

namespace edgectl::runtime {
namespace {

using namespace std::chrono_literals;
using test::ScopedEnv;

constexpr std::string_view kSum = R"((module
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s)))
)";

bool have_toolchain() {
  auto t = aot::detect_toolchain();
  if (!t) MESSAGE("skipped: " << t.error().message());
  return t.ok();
}

TEST_CASE("auto: serves on the interpreter at once and switches to native code under load") {
  if (!have_toolchain()) return;
  TempDir home;  // an empty cache: the compile really happens in the background
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  auto engine = make_engine("auto");
  REQUIRE(engine.ok());
  const auto started = std::chrono::steady_clock::now();
  auto module = test::load_any(**engine, test::wat(kSum));
  // load() did not wait for the compiler (which takes a good fraction of a second).
  CHECK(module->engine() == "interp");
  CHECK(std::chrono::steady_clock::now() - started < 150ms);

  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, on_interp{0}, on_aot{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int32_t i = 0; !stop; ++i) {
        const int32_t n = 1000 + t + i % 13;
        auto instance = module->instantiate(nullptr, Limits::defaults());
        if (!instance.ok()) {
          ++failures;
          continue;
        }
        std::vector<Value> args{n};
        auto o = (*instance)->invoke("sum", args);
        if (!o.ok() || o->status != RunOutcome::Status::Returned ||
            std::get<int32_t>(o->results[0]) != n * (n - 1) / 2)
          ++failures;
        else
          ++(o->engine == "aot" ? on_aot : on_interp);
      }
    });
  const bool native = wait_for_native(**engine, *module, 60s);
  std::this_thread::sleep_for(50ms);  // some requests after the switch
  stop = true;
  for (auto& th : threads) th.join();

  CHECK(native);
  CHECK(module->engine() == "aot");
  CHECK(failures == 0);
  CHECK(on_interp > 0);
  CHECK(on_aot > 0);
  // The same bytes loaded again: the native module at once (the engine keeps it).
  auto again = test::load_any(**engine, test::wat(kSum));
  CHECK(again->engine() == "aot");
}

// kSum compiled into a fresh aot cache, then loaded by a new auto engine (a cache hit).
struct CachedAuto {
  TempDir home;
  ScopedEnv xdg{"XDG_CACHE_HOME", home.path().string()};
  std::unique_ptr<Engine> engine;
  std::shared_ptr<const Module> module;
  CachedAuto() {
    auto toolchain = aot::detect_toolchain();
    REQUIRE(aot::compile(test::wat(kSum), *toolchain, {}).ok());
    auto made = make_engine("auto");
    REQUIRE(made.ok());
    engine = std::move(made).value();
    module = test::load_any(*engine, test::wat(kSum));
  }
};

TEST_CASE("auto: releasing a module stops its compile, so the next module's starts at once") {
  if (!have_toolchain()) return;
  TempDir home;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  auto engine = make_engine("auto");
  REQUIRE(engine.ok());
  std::string text = "(module\n";
  for (int f = 0; f < 3000; ++f) {
    text += "  (func (export \"f" + std::to_string(f) + "\") (param i32) (result i32) local.get 0\n";
    for (int k = 0; k < 200; ++k)
      text += std::string("    i32.const ") + std::to_string((f * 31 + k * 7) % 1000 + 1) +
              (k % 3 == 0 ? " i32.add\n" : k % 3 == 1 ? " i32.mul\n" : " i32.xor\n");
    text += "  )\n";
  }
  text += ")\n";
  const Bytes big = test::wat(text);
  const Bytes small = test::wat(kSum);
  auto toolchain = aot::detect_toolchain();
  REQUIRE(toolchain.ok());
  {
    auto replaced = test::load_any(**engine, big);  // its compile starts in the background...
    std::this_thread::sleep_for(300ms);
  }  // ...and stops here: an edit replaced the module before native code was ready
  auto next = test::load_any(**engine, small);
  CHECK(wait_for_native(**engine, *next, 120s));
  // The released module's compile never finished: no entry in either tier.
  CHECK_FALSE(aot::lookup(big, *toolchain, {}, aot::Tier::Quick).has_value());
  CHECK_FALSE(aot::lookup(big, *toolchain, {}, aot::Tier::Optimized).has_value());
}

TEST_CASE("auto: a cache hit runs native code from the first instance") {
  if (!have_toolchain()) return;
  CachedAuto cached;
  auto& module = cached.module;
  CHECK(module->engine() == "aot");
  CHECK(test::invoke_fresh(*module, "sum", {int32_t{10}}).engine == "aot");
}

TEST_CASE("auto: a fuel limit runs on the interpreter, which counts it") {
  if (!have_toolchain()) return;
  CachedAuto cached;
  auto& module = cached.module;
  REQUIRE(module->engine() == "aot");
  Limits limits = Limits::defaults();
  limits.fuel = 1'000'000;
  auto o = test::invoke_fresh(*module, "sum", {int32_t{100}}, limits);
  CHECK(o.engine == "interp");
  CHECK(o.fuel_used > 100);
  limits.fuel = 50;
  CHECK(test::trap_kind(test::invoke_fresh(*module, "sum", {int32_t{100}}, limits)) ==
        TrapKind::OutOfFuel);
}

TEST_CASE("aot: a fuel limit is refused, naming the engines that count it") {
  if (!have_toolchain()) return;
  TempDir home;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  auto engine = make_engine("aot");
  REQUIRE(engine.ok());
  auto module = test::load_any(**engine, test::wat(kSum));
  REQUIRE(module->engine() == "aot");
  Limits limits = Limits::defaults();
  limits.fuel = 1000;
  auto r = module->instantiate(nullptr, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("does not count fuel") != std::string::npos);
  CHECK(r.error().message().find("--engine interp") != std::string::npos);
}

TEST_CASE("aot: without a C compiler it says so and runs on the interpreter") {
  TempDir home, empty;
  ScopedEnv xdg("XDG_CACHE_HOME", home.path().string());
  ScopedEnv path("PATH", empty.path().string());  // no wasm2c, no cc
  ScopedEnv cc("EDGECTL_CC", std::nullopt);
  ScopedEnv cc2("CC", std::nullopt);
  auto engine = make_engine("aot");
  REQUIRE(engine.ok());
  std::vector<std::string> notices;
  LoadOptions options;
  options.on_notice = [&](std::string_view n) { notices.emplace_back(n); };
  auto module = test::load_any(**engine, test::wat(kSum), options);
  CHECK(module->engine() == "interp");
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].find("running on the interpreter") != std::string::npos);
  CHECK(notices[0].find("wasm2c") != std::string::npos);
  CHECK(std::get<int32_t>(test::invoke_fresh(*module, "sum", {int32_t{4}}).results[0]) == 6);
}

}  // namespace
}  // namespace edgectl::runtime
