// Instance::invoke and run_start: typed arguments and results, signature checks, reactors,
// and the value text the CLI prints.
#include <cmath>
#include <limits>

#include "engine_support.hpp"

namespace edgectl::runtime {
namespace {

using test::test_engine;
using test::invoke;
using test::load;
using test::wat;

constexpr std::string_view kNumbers = R"((module
  (func (export "add32") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "mul64") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func (export "half32") (param f32) (result f32) (f32.div (local.get 0) (f32.const 2)))
  (func (export "sqrt64") (param f64) (result f64) (f64.sqrt (local.get 0)))
  (func (export "mixed") (param i32 i64 f32 f64) (result f64 i64 f32 i32)
    (local.get 3) (local.get 1) (local.get 2) (local.get 0))
  (func (export "nothing"))
  (memory (export "memory") 1)
  (global (export "g") i32 (i32.const 1)))
)";
// wasm2c 1.0.32 cannot take v128 parameters: on aot this module runs on the interpreter.
constexpr std::string_view kVector = R"((module (func (export "vec") (param v128))))";

// wasm2c wraps a signature of more than eight parameters onto a second line; the aot
// translator once counted such a definition as missing ("declares 1670 functions but
// defines 1666" on every binaryen-optimised Go module).
constexpr std::string_view kWide = R"((module
  (func $sum (param i32 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (i64.add (i64.extend_i32_u (local.get 0)) (i64.add (local.get 1) (local.get 11))))
  (func (export "wide") (param i32 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (call $sum (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
      (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10) (local.get 11))))
)";

TEST_CASE("invoke: functions and exports with more than eight parameters") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kWide));
  auto instance = test::instantiate(*module);
  std::vector<Value> args{int32_t{7}};
  for (int64_t k = 1; k <= 11; ++k) args.emplace_back(k * 1000);
  auto o = invoke(*instance, "wide", args);
  REQUIRE(o.status == RunOutcome::Status::Returned);
  REQUIRE(o.results.size() == 1);
  CHECK(std::get<int64_t>(o.results[0]) == 7 + 1000 + 11000);
}

TEST_CASE("invoke: i32, i64, f32 and f64 arguments and results") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kNumbers));
  auto instance = test::instantiate(*module);

  auto o = invoke(*instance, "add32", {int32_t{2}, int32_t{-5}});
  REQUIRE(o.status == RunOutcome::Status::Returned);
  REQUIRE(o.results.size() == 1);
  CHECK(std::get<int32_t>(o.results[0]) == -3);

  o = invoke(*instance, "add32", {int32_t{std::numeric_limits<int32_t>::max()}, int32_t{1}});
  CHECK(std::get<int32_t>(o.results[0]) == std::numeric_limits<int32_t>::min());  // wraps

  o = invoke(*instance, "mul64", {int64_t{1} << 40, int64_t{-3}});
  CHECK(std::get<int64_t>(o.results[0]) == -(int64_t{3} << 40));

  o = invoke(*instance, "half32", {3.0f});
  CHECK(std::get<float>(o.results[0]) == 1.5f);

  o = invoke(*instance, "sqrt64", {2.0});
  CHECK(std::get<double>(o.results[0]) == std::sqrt(2.0));
  o = invoke(*instance, "sqrt64", {-1.0});
  CHECK(std::isnan(std::get<double>(o.results[0])));

  o = invoke(*instance, "mixed", {int32_t{7}, int64_t{-8}, 0.25f, 1e300});
  REQUIRE(o.results.size() == 4);
  CHECK(std::get<double>(o.results[0]) == 1e300);
  CHECK(std::get<int64_t>(o.results[1]) == -8);
  CHECK(std::get<float>(o.results[2]) == 0.25f);
  CHECK(std::get<int32_t>(o.results[3]) == 7);

  o = invoke(*instance, "nothing");
  CHECK(o.status == RunOutcome::Status::Returned);
  CHECK(o.results.empty());
}

TEST_CASE("invoke: a missing export, a non-function and wrong arguments are errors") {
  auto engine = test_engine();
  auto module = load(*engine, wat(kNumbers), {{}, "n.wasm"});
  auto instance = test::instantiate(*module);
  std::vector<Value> none;

  auto missing = instance->invoke("nope", none);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message() == "'n.wasm' has no export named 'nope'");
  REQUIRE(missing.error().primary().notes.size() == 1);
  CHECK(missing.error().primary().notes[0].find("add32") != std::string::npos);

  auto memory = instance->invoke("memory", none);
  REQUIRE_FALSE(memory.ok());
  CHECK(memory.error().message() == "export 'memory' is a memory, not a function");
  auto global = instance->invoke("g", none);
  REQUIRE_FALSE(global.ok());
  CHECK(global.error().message() == "export 'g' is a global, not a function");

  std::vector<Value> one{int32_t{1}};
  auto count = instance->invoke("add32", one);
  REQUIRE_FALSE(count.ok());
  CHECK(count.error().message() == "'add32' takes 2 arguments, got 1");

  std::vector<Value> wrong{int32_t{1}, int64_t{2}};
  auto type = instance->invoke("add32", wrong);
  REQUIRE_FALSE(type.ok());
  CHECK(type.error().message() == "argument 2 of 'add32' must be i32, got i64");

  auto vector = test::load_any(*engine, wat(kVector));
  auto vec = test::instantiate(*vector)->invoke("vec", none);
  REQUIRE_FALSE(vec.ok());
  CHECK(vec.error().message().find("v128") != std::string::npos);

  auto sig = module->export_function("mixed");
  REQUIRE(sig.ok());
  CHECK(sig->params ==
        std::vector<ValueType>{ValueType::I32, ValueType::I64, ValueType::F32, ValueType::F64});
  CHECK(sig->results ==
        std::vector<ValueType>{ValueType::F64, ValueType::I64, ValueType::F32, ValueType::I32});
}

TEST_CASE("invoke: a reactor's _initialize runs once, before the first export") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module
    (global $inits (mut i32) (i32.const 0))
    (global $calls (mut i32) (i32.const 0))
    (func (export "_initialize") (global.set $inits (i32.add (global.get $inits) (i32.const 1))))
    (func (export "inits") (result i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (global.get $inits)))
  )"));
  CHECK(module->info().kind == wasm::ModuleKind::Reactor);
  auto instance = test::instantiate(*module);
  for (int i = 0; i < 3; ++i) {
    auto o = invoke(*instance, "inits");
    REQUIRE(o.results.size() == 1);
    CHECK(std::get<int32_t>(o.results[0]) == 1);
  }
  auto run = instance->run_start();
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message().find("no '_start' function") != std::string::npos);
  REQUIRE_FALSE(run.error().primary().notes.empty());
  CHECK(run.error().primary().notes[0].find("reactor") != std::string::npos);
}

TEST_CASE("run_start: returning from _start is exit code 0 and the start section runs first") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module
    (global $ready (mut i32) (i32.const 0))
    (func $init (global.set $ready (i32.const 1)))
    (start $init)
    (func (export "_start") (if (i32.eqz (global.get $ready)) (then unreachable))))
  )"));
  auto instance = test::instantiate(*module);
  auto o = instance->run_start();
  REQUIRE(o.ok());
  CHECK(o->status == RunOutcome::Status::Returned);
  CHECK(o->exit_code == 0);
  CHECK(o->results.empty());
  CHECK(o->instantiate_time.count() > 0);
  CHECK(o->run_time.count() > 0);
}

TEST_CASE("run_start: proc_exit ends the run as Exited with the guest's code") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (call $exit (i32.const 42)) unreachable))
  )"));
  auto o = test::instantiate(*module)->run_start();
  REQUIRE(o.ok());
  CHECK(o->status == RunOutcome::Status::Exited);
  CHECK(o->exit_code == 42);
  CHECK_FALSE(o->trap.has_value());
}

TEST_CASE("format_value: decimal integers and floats as wasmtime prints them") {
  CHECK(format_value(int32_t{-1}) == "-1");
  CHECK(format_value(int32_t{std::numeric_limits<int32_t>::min()}) == "-2147483648");
  CHECK(format_value(int64_t{1} << 62) == "4611686018427387904");
  CHECK(format_value(1.5) == "1.5");
  CHECK(format_value(0.1f) == "0.1");  // the float's shortest text, not 0.100000001
  CHECK(format_value(0.1) == "0.1");
  CHECK(format_value(1.0) == "1");
  CHECK(format_value(-0.0) == "-0");
  CHECK(format_value(1e21) == "1e+21");
  CHECK(format_value(std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(format_value(-std::numeric_limits<float>::quiet_NaN()) == "nan");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(format_value(-std::numeric_limits<float>::infinity()) == "-inf");
}

TEST_CASE("parse_value: the CLI's argument syntax, range-checked per type") {
  CHECK(std::get<int32_t>(*parse_value("-7", ValueType::I32)) == -7);
  CHECK(std::get<int32_t>(*parse_value("4294967295", ValueType::I32)) == -1);
  CHECK(std::get<int32_t>(*parse_value("0x10", ValueType::I32)) == 16);
  CHECK(std::get<int32_t>(*parse_value("-2147483648", ValueType::I32)) ==
        std::numeric_limits<int32_t>::min());
  CHECK_FALSE(parse_value("4294967296", ValueType::I32));
  CHECK_FALSE(parse_value("-2147483649", ValueType::I32));
  CHECK_FALSE(parse_value("12x", ValueType::I32));
  CHECK_FALSE(parse_value("", ValueType::I32));
  CHECK(std::get<int64_t>(*parse_value("-9223372036854775808", ValueType::I64)) ==
        std::numeric_limits<int64_t>::min());
  CHECK(std::get<int64_t>(*parse_value("18446744073709551615", ValueType::I64)) == -1);
  CHECK_FALSE(parse_value("18446744073709551616", ValueType::I64));
  CHECK(std::get<float>(*parse_value("2.5", ValueType::F32)) == 2.5f);
  CHECK(std::get<double>(*parse_value("+1e-3", ValueType::F64)) == 1e-3);
  CHECK(std::isinf(std::get<double>(*parse_value("-inf", ValueType::F64))));
  CHECK(std::isnan(std::get<float>(*parse_value("nan", ValueType::F32))));
  CHECK_FALSE(parse_value("one", ValueType::F64));
  for (double d : {0.1, 1e300, -2.5e-308, 123456.789})  // format and parse round-trip
    CHECK(std::get<double>(*parse_value(format_value(d), ValueType::F64)) == d);
}

TEST_CASE("parse_args: arguments typed by the signature, errors naming the bad one") {
  FuncType type{{ValueType::I32, ValueType::F64}, {}};
  std::vector<std::string> good{"-3", "2.5"};
  auto values = parse_args(type, good);
  REQUIRE(values.ok());
  CHECK(std::get<int32_t>((*values)[0]) == -3);
  CHECK(std::get<double>((*values)[1]) == 2.5);
  std::vector<std::string> one{"1"};
  auto count = parse_args(type, one);
  REQUIRE_FALSE(count.ok());
  CHECK(count.error().message() == "expected 2 arguments, got 1");
  std::vector<std::string> bad{"1", "x"};
  auto parse = parse_args(type, bad);
  REQUIRE_FALSE(parse.ok());
  CHECK(parse.error().message() == "argument 2 'x' is not an f64");
}

}  // namespace
}  // namespace edgectl::runtime
