// Traps: each of wabt's trap messages maps to its kind, the trap names the function, and
// a trapped instance leaves nothing behind for the next one.
#include "engine_support.hpp"

namespace edgectl::runtime {
namespace {

using test::test_engine;
using test::invoke_fresh;
using test::load;
using test::trap_kind;
using test::wat;

constexpr std::string_view kTraps = R"((module
  (type $i2i (func (param i32) (result i32)))
  (type $v2v (func))
  (memory 1)
  (table 3 funcref)
  (elem (i32.const 0) $id $nop)
  (func $id (type $i2i) (local.get 0))
  (func $nop (type $v2v))
  (func $boom (export "unreachable") unreachable)
  (func (export "div_zero") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "rem_zero") (result i64) (i64.rem_u (i64.const 1) (i64.const 0)))
  (func (export "div_overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "trunc_nan") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "trunc_big") (result i32) (i32.trunc_f64_s (f64.const 1e10)))
  (func (export "load_oob") (result i32) (i32.load (i32.const 65534)))
  (func (export "store_oob") (i64.store (i32.const -1) (i64.const 0)))
  (func (export "fill_oob") (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000)))
  (func (export "indirect_mismatch") (result i32)
    (call_indirect (type $i2i) (i32.const 7) (i32.const 1)))
  (func (export "indirect_out_of_table") (result i32)
    (call_indirect (type $i2i) (i32.const 7) (i32.const 3)))
  (func (export "indirect_null") (result i32)
    (call_indirect (type $i2i) (i32.const 7) (i32.const 2)))
  (func (export "indirect_ok") (result i32)
    (call_indirect (type $i2i) (i32.const 7) (i32.const 0))))
)";

TEST_CASE("traps: each of wabt's trap messages maps to its kind") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kTraps));
  const std::pair<const char*, TrapKind> cases[] = {
      {"unreachable", TrapKind::Unreachable},
      {"div_zero", TrapKind::IntegerDivideByZero},
      {"rem_zero", TrapKind::IntegerDivideByZero},
      {"div_overflow", TrapKind::IntegerOverflow},
      {"trunc_nan", TrapKind::InvalidConversion},
      {"trunc_big", TrapKind::IntegerOverflow},
      {"load_oob", TrapKind::MemoryOutOfBounds},
      {"store_oob", TrapKind::MemoryOutOfBounds},
      {"fill_oob", TrapKind::MemoryOutOfBounds},
      {"indirect_mismatch", TrapKind::IndirectCallTypeMismatch},
      {"indirect_out_of_table", TrapKind::UndefinedElement},
      {"indirect_null", TrapKind::UndefinedElement},
  };
  for (auto [name, kind] : cases) {
    CAPTURE(name);
    auto o = invoke_fresh(*module, name);
    CHECK(trap_kind(o) == kind);
    CHECK_FALSE(o.trap->message.empty());
  }
  auto ok = invoke_fresh(*module, "indirect_ok");
  REQUIRE(ok.status == RunOutcome::Status::Returned);
  CHECK(std::get<int32_t>(ok.results[0]) == 7);
}

TEST_CASE("traps: the message is the engine's and describe() reads as one line") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kTraps));
  auto o = invoke_fresh(*module, "load_oob");
  // The interpreter knows the address; native code faults on a guard page and does not.
  CHECK(o.trap->message == (test::test_engine_name() == "aot"
                                ? "out of bounds memory access"
                                : "out of bounds memory access: access at 65534+4 >= max value 65536"));
  CHECK(describe(*o.trap) == o.trap->message);  // already starts with the kind
  o = invoke_fresh(*module, "unreachable");
  CHECK(describe(*o.trap) == "unreachable executed");
  o = invoke_fresh(*module, "indirect_out_of_table");
  CHECK(describe(*o.trap) == "undefined element: undefined table index");
}

TEST_CASE("traps: the trap names the function from the name section, with its index and body") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module
    (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
    (func $outer (export "run") (result i32) (call $inner (i32.const 0)))
    (func (export "unnamed") unreachable))
  )"));
  auto o = invoke_fresh(*module, "run");
  REQUIRE(trap_kind(o) == TrapKind::IntegerDivideByZero);
  // The innermost frame, not the export called. Native code names the function whose
  // machine code trapped, which is the caller when the compiler inlined the callee.
  if (test::test_engine_name() == "aot" && o.trap->function == "outer") {
    CHECK(o.trap->function_index == 1u);
  } else {
    CHECK(o.trap->function == "inner");
    CHECK(o.trap->function_index == 0u);
  }
  REQUIRE(o.trap->code_offset.has_value());
  CHECK(*o.trap->code_offset > 0);
  CHECK(*o.trap->code_offset < module->info().size);

  o = invoke_fresh(*module, "unnamed");
  CHECK(o.trap->function == "unnamed");  // no name section entry: the export's name
  CHECK(o.trap->function_index == 2u);

  // Without any names: func[INDEX].
  auto stripped = wasm::compile_wat("(module (func unreachable) (func (export \"f\") (call 0)))",
                                    "x.wat", wasm::KeepNames::No);
  REQUIRE(stripped.ok());
  auto bare = load(*engine, *stripped);
  o = invoke_fresh(*bare, "f");
  CHECK(o.trap->function == "func[0]");
}

TEST_CASE("traps: an instance that trapped stays usable, and the next instance is unaffected") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module
    (memory 1)
    (global $n (mut i32) (i32.const 0))
    (func (export "count") (result i32)
      (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
    (func (export "trap_after_store")
      (i32.store (i32.const 0) (i32.const 99)) unreachable)
    (func (export "peek") (result i32) (i32.load (i32.const 0))))
  )"));
  auto first = test::instantiate(*module);
  CHECK(std::get<int32_t>(test::invoke(*first, "count").results[0]) == 1);
  CHECK(trap_kind(test::invoke(*first, "trap_after_store")) == TrapKind::Unreachable);
  // The same instance: its state is what the guest left (as in wasmtime).
  CHECK(std::get<int32_t>(test::invoke(*first, "count").results[0]) == 2);
  CHECK(std::get<int32_t>(test::invoke(*first, "peek").results[0]) == 99);
  // A fresh instance starts from scratch.
  auto second = test::instantiate(*module);
  CHECK(std::get<int32_t>(test::invoke(*second, "count").results[0]) == 1);
  CHECK(std::get<int32_t>(test::invoke(*second, "peek").results[0]) == 0);
}

TEST_CASE("traps: a failing data segment or start function is an instantiation error") {
  auto engine = test_engine();
  auto segment = load(*engine, wat(R"((module (memory 1) (data (i32.const 65535) "ab")))"));
  auto r = segment->instantiate(nullptr, Limits::defaults());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("out of bounds memory access") != std::string::npos);

  auto start = load(*engine, wat(R"((module (func $s unreachable) (start $s)))"), {{}, "s.wasm"});
  r = start->instantiate(nullptr, Limits::defaults());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() == "the start function of 's.wasm' trapped: unreachable executed");
}

}  // namespace
}  // namespace edgectl::runtime
