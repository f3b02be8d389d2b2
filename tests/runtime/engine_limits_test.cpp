// Limits: the memory cap, timeouts, fuel and call depth, each stopping the guest with its
// own trap while the host carries on.
#include <chrono>

#include "engine_support.hpp"

namespace edgectl::runtime {
namespace {

using namespace std::chrono_literals;
using test::interp_engine;
using test::test_engine;
using test::invoke;
using test::invoke_fresh;
using test::load;
using test::trap_kind;
using test::wat;

constexpr uint64_t kPage = 64 * 1024;

constexpr std::string_view kLoops = R"((module
  (type $i2i (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $down_indirect)
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (param i32) (result i32)  ;; loops n times
    (local i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get 1) (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br $l)))
    (local.get 1))
  (func $down (export "down") (param i32) (result i32)  ;; recursion n + 1 frames deep
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
  (func $forever (export "forever") (param i32) (result i32)
    (call $forever (i32.add (local.get 0) (i32.const 1))))
  (func $down_indirect (export "down_indirect") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call_indirect (type $i2i) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))))))
)";

TEST_CASE("limits: defaults are 256 MiB of memory, 10,000 frames, no timeout, no fuel") {
  Limits d = Limits::defaults();
  CHECK(d.max_memory_bytes == 256ull << 20);
  CHECK(d.max_call_depth == 10'000u);
  CHECK_FALSE(d.timeout);
  CHECK_FALSE(d.fuel);
}

TEST_CASE("limits: memory.grow past the cap returns -1 and the module's own maximum still holds") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module
    (memory 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size)))
  )"));
  Limits limits = Limits::defaults();
  limits.max_memory_bytes = 3 * kPage;
  auto instance = test::instantiate(*module, limits);
  CHECK(std::get<int32_t>(invoke(*instance, "grow", {int32_t{2}}).results[0]) == 1);
  CHECK(std::get<int32_t>(invoke(*instance, "grow", {int32_t{1}}).results[0]) == -1);
  CHECK(std::get<int32_t>(invoke(*instance, "size").results[0]) == 3);
  // A cap that is not a whole number of pages rounds down.
  limits.max_memory_bytes = 2 * kPage + 100;
  auto rounded = test::instantiate(*module, limits);
  CHECK(std::get<int32_t>(invoke(*rounded, "grow", {int32_t{2}}).results[0]) == -1);
  CHECK(std::get<int32_t>(invoke(*rounded, "grow", {int32_t{1}}).results[0]) == 1);
  // Under the default cap a huge grow fails cleanly too.
  CHECK(std::get<int32_t>(invoke_fresh(*module, "grow", {int32_t{60000}}).results[0]) == -1);

  auto own_max = load(*engine, wat(R"((module (memory 1 2)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))))"));
  CHECK(std::get<int32_t>(invoke_fresh(*own_max, "grow", {int32_t{2}}).results[0]) == -1);
}

TEST_CASE("limits: memory_bytes reports the guest's linear memory as it grows") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module
    (memory 2)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
  )"));
  auto instance = test::instantiate(*module);
  CHECK(instance->memory_bytes() == 2 * kPage);
  invoke(*instance, "grow", {int32_t{1}});
  CHECK(instance->memory_bytes() == 3 * kPage);
  auto no_memory = load(*engine, wat(R"((module (func (export "f"))))"));
  CHECK(test::instantiate(*no_memory)->memory_bytes() == 0);
}

TEST_CASE("limits: initial memory over the cap fails to instantiate, saying so") {
  auto engine = test_engine();
  auto module = load(*engine, wat("(module (memory 4))"), {{}, "big.wasm"});
  Limits limits = Limits::defaults();
  limits.max_memory_bytes = 2 * kPage;
  auto r = module->instantiate(nullptr, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() ==
        "'big.wasm' needs 256KiB of initial memory (4 pages), over the memory limit of 128KiB");
  limits.max_memory_bytes = 4 * kPage;
  CHECK(module->instantiate(nullptr, limits).ok());
}

TEST_CASE("limits: an infinite loop stops at the timeout") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kLoops));
  Limits limits = Limits::defaults();
  limits.timeout = 100ms;
  auto started = std::chrono::steady_clock::now();
  auto o = invoke_fresh(*module, "spin", {}, limits);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(trap_kind(o) == TrapKind::Timeout);
  CHECK(o.trap->message == "exceeded the time limit of 100ms");
  CHECK(o.trap->function == "spin");
  CHECK(took >= 100ms);
  CHECK(took < 2s);  // a slice is ~100 µs; the rest is a loaded machine's slack
  CHECK(o.run_time >= 100ms);
}

TEST_CASE("limits: each entry gets the whole timeout") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kLoops));
  Limits limits = Limits::defaults();
  limits.timeout = 50ms;
  auto instance = test::instantiate(*module, limits);
  CHECK(trap_kind(invoke(*instance, "spin")) == TrapKind::Timeout);
  auto o = invoke(*instance, "count", {int32_t{1000}});  // a fresh deadline
  REQUIRE(o.status == RunOutcome::Status::Returned);
  CHECK(std::get<int32_t>(o.results[0]) == 1000);
}

// Fuel is the interpreter's alone (native code does not count instructions): these run on
// interp in both passes, and the aot and auto engines' handling of a fuel limit is below.
TEST_CASE("fuel: stops an infinite loop after exactly that many instructions") {
  auto engine = interp_engine();
  auto module = load(*engine, wat(kLoops));
  Limits limits = Limits::defaults();
  limits.fuel = 1'000'000;
  auto o = invoke_fresh(*module, "spin", {}, limits);
  CHECK(trap_kind(o) == TrapKind::OutOfFuel);
  CHECK(o.trap->message == "used all 1000000 units of fuel");
  CHECK(o.fuel_used == 1'000'000);
}

TEST_CASE("fuel: is counted exactly and spent across the instance's calls") {
  auto engine = interp_engine();
  auto module = load(*engine, wat(kLoops));
  // What one call costs, measured under a generous limit (fuel is counted only when limited)...
  Limits generous = Limits::defaults();
  generous.fuel = 1'000'000'000;
  const uint64_t cost = invoke_fresh(*module, "count", {int32_t{100}}, generous).fuel_used;
  CHECK(invoke_fresh(*module, "count", {int32_t{100}}).fuel_used == 0);
  REQUIRE(cost > 100);
  // ... is exactly enough, once; one unit less is not.
  Limits limits = Limits::defaults();
  limits.fuel = cost;
  auto instance = test::instantiate(*module, limits);
  CHECK(invoke(*instance, "count", {int32_t{100}}).status == RunOutcome::Status::Returned);
  CHECK(trap_kind(invoke(*instance, "count", {int32_t{0}})) == TrapKind::OutOfFuel);
  limits.fuel = cost - 1;
  CHECK(trap_kind(invoke_fresh(*module, "count", {int32_t{100}}, limits)) == TrapKind::OutOfFuel);
}

TEST_CASE("limits: the call depth is enforced, also through call_indirect") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kLoops));
  Limits limits = Limits::defaults();
  limits.max_call_depth = 100;
  const bool native = test::test_engine_name() == "aot";
  for (const char* name : {"down", "down_indirect"}) {
    CAPTURE(name);
    // n = 99 needs 100 frames; n = 100 needs 101.
    auto ok = invoke_fresh(*module, name, {int32_t{99}}, limits);
    REQUIRE(ok.status == RunOutcome::Status::Returned);
    if (native) {
      // Native code: the depth becomes stack space (docs/runtime.md), so the bound is
      // approximate: far past it traps, naming the depth.
      auto deep = invoke_fresh(*module, name, {int32_t{100'000}}, limits);
      CHECK(trap_kind(deep) == TrapKind::StackOverflow);
      CHECK(deep.trap->message == "call stack exhausted (the native stack allowed for 100 frames)");
    } else {
      auto deep = invoke_fresh(*module, name, {int32_t{100}}, limits);
      CHECK(trap_kind(deep) == TrapKind::StackOverflow);
      CHECK(deep.trap->message == "call depth exceeded 100 frames");
    }
  }
}

TEST_CASE("limits: runaway recursion is a StackOverflow trap, never a host crash") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kLoops));
  auto o = invoke_fresh(*module, "forever", {int32_t{0}});  // default: 10,000 frames
  CHECK(trap_kind(o) == TrapKind::StackOverflow);
  CHECK(o.trap->function == "forever");
  // Without a configured depth the engine's own ceiling (100,000 frames) applies.
  Limits unlimited = Limits::defaults();
  unlimited.max_call_depth.reset();
  CHECK(trap_kind(invoke_fresh(*module, "forever", {int32_t{0}}, unlimited)) ==
        TrapKind::StackOverflow);
  CHECK(invoke_fresh(*module, "down", {int32_t{50'000}}, unlimited).status ==
        RunOutcome::Status::Returned);
  // A configured depth above the ceiling is capped to it, not reserved.
  Limits huge = Limits::defaults();
  huge.max_call_depth = 4'000'000'000u;
  auto capped = invoke_fresh(*module, "forever", {int32_t{0}}, huge);
  CHECK(trap_kind(capped) == TrapKind::StackOverflow);
  CHECK(capped.trap->message == (test::test_engine_name() == "aot"
                                     ? "call stack exhausted (the native stack allowed for 100000 frames)"
                                     : "call depth exceeded 100000 frames"));
  // The host is fine and the next instance runs normally.
  auto next = invoke_fresh(*module, "down", {int32_t{9'000}});
  REQUIRE(next.status == RunOutcome::Status::Returned);
  CHECK(std::get<int32_t>(next.results[0]) == 9'000);
}

TEST_CASE("limits: a start function is held to the limits too") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module (func $s (loop $l (br $l))) (start $s)))"));
  Limits limits = Limits::defaults();
  limits.timeout = std::chrono::milliseconds(50);
  auto r = module->instantiate(nullptr, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("start function") != std::string::npos);
  CHECK(r.error().message().find("exceeded the time limit of 50ms") != std::string::npos);
}

TEST_CASE("fuel: a start function is held to it too") {
  auto engine = interp_engine();
  auto module = load(*engine, wat(R"((module (func $s (loop $l (br $l))) (start $s)))"));
  Limits limits = Limits::defaults();
  limits.fuel = 10'000;
  auto r = module->instantiate(nullptr, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("out of fuel") != std::string::npos);
}

}  // namespace
}  // namespace edgectl::runtime
