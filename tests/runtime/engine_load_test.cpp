// Engine::load: the import policy (every offender named, all at once), validation, the
// sha256 cache, and the engine registry.
#include "engine_support.hpp"

namespace edgectl::runtime {
namespace {

using test::test_engine;
using test::load;
using test::wat;

bool mentions(const Error& e, std::string_view needle) {
  for (const auto& d : e.diagnostics())
    if (d.message.find(needle) != std::string::npos) return true;
  return false;
}

TEST_CASE("engine: make_engine knows auto, aot and interp and names them otherwise") {
  for (std::string_view name : {"interp", "aot", "auto"}) {
    auto engine = make_engine(name);
    REQUIRE(engine.ok());
    CHECK((*engine)->name() == name);
  }
  auto unknown = make_engine("jit");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message() == "unknown engine 'jit': choose auto, aot or interp");
}

TEST_CASE("engine: WASI preview1 imports with their exact types load") {
  auto engine = test_engine();
  auto module = load(*engine, wat(R"((module
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
    (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")))
  )"));
  CHECK(module->info().imports.size() == 3);
  CHECK(module->info().kind == wasm::ModuleKind::Command);
}

TEST_CASE("engine: every refused import is named, all at once, in module order") {
  auto engine = test_engine();
  auto bytes = wat(R"((module
    (import "env" "foo" (func (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "memory" (memory 1))
    (import "edgectl" "kv_get" (func (param i32 i32) (result i32))))
  )");
  auto r = engine->load(bytes, {{}, "app.wasm"});
  REQUIRE_FALSE(r.ok());
  const auto& d = r.error().diagnostics();
  REQUIRE(d.size() == 5);
  CHECK(d[0].message.starts_with("import 'env.foo' (func (i32) -> i32) is not allowed"));
  CHECK(d[1].message ==
        "import 'wasi_snapshot_preview1.fd_frobnicate' is not a WASI preview1 function");
  CHECK(d[2].message ==
        "import 'wasi_snapshot_preview1.fd_write' has type (i32, i32) -> i32, but WASI preview1 "
        "declares (i32, i32, i32, i32) -> i32");
  CHECK(
      d[3].message ==
      "import 'wasi_snapshot_preview1.memory' is a memory: WASI preview1 provides only functions");
  CHECK(d[4].message.starts_with("import 'edgectl.kv_get'"));
  // Each points into the file at its import.
  for (const auto& diag : d) {
    const auto* at = std::get_if<WasmLocation>(&diag.location);
    REQUIRE(at != nullptr);
    CHECK(at->file == "app.wasm");
    CHECK(at->offset > 0);
  }
}

TEST_CASE("engine: an allowed host module without bindings is refused with that reason") {
  auto engine = test_engine();
  auto bytes = wat(R"((module (import "acme" "log" (func (param i32 i32)))))");
  LoadOptions options;
  options.host_modules = {"acme"};
  auto r = engine->load(bytes, options);
  REQUIRE_FALSE(r.ok());
  CHECK(mentions(r.error(), "host module 'acme' is allowed but has no bindings"));
  // edgectl's own module is always bound, and its imports checked (engine_host_test.cpp).
  auto wrong = engine->load(wat(R"((module (import "edgectl" "log" (func (param i32 i32)))))"), {});
  REQUIRE_FALSE(wrong.ok());
  CHECK(mentions(wrong.error(), "has type (i32, i32) -> (), but the edgectl host API declares (i32, i32, i32) -> i32"));
}

TEST_CASE("engine: invalid modules and features outside the runtime's set are refused") {
  auto engine = test_engine();
  const Bytes garbage{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00, 0x01, 0xff};
  CHECK_FALSE(engine->load(garbage, {}).ok());
  const Bytes text{'(', 'm', 'o', 'd', 'u', 'l', 'e', ')'};
  auto r = engine->load(text, {});
  REQUIRE_FALSE(r.ok());
  CHECK(mentions(r.error(), "not a WebAssembly module"));
  auto threads = engine->load(test::wat_all_features("(module (memory 1 1 shared))"), {});
  REQUIRE_FALSE(threads.ok());
  CHECK(mentions(threads.error(), "threads"));
}

TEST_CASE("engine: the same bytes give the same Module and other bytes another") {
  auto engine = test_engine();
  auto a = wat("(module (func (export \"f\") (result i32) (i32.const 1)))");
  auto b = wat("(module (func (export \"f\") (result i32) (i32.const 2)))");
  auto m1 = load(*engine, a);
  auto m2 = load(*engine, a);
  auto m3 = load(*engine, b);
  CHECK(m1.get() == m2.get());
  CHECK(m1.get() != m3.get());
  CHECK(m1->sha256() != m3->sha256());
  // A cached module still honours the caller's import policy.
  auto imports = wat(R"((module (import "edgectl" "log" (func))))");
  CHECK_FALSE(engine->load(imports, {}).ok());
}

TEST_CASE("engine: a Module nobody holds is not kept alive by the cache") {
  auto engine = test_engine();
  auto bytes = wat("(module (func (export \"f\")))");
  std::weak_ptr<const Module> weak = load(*engine, bytes);
  CHECK(weak.expired());
  auto again = load(*engine, bytes);  // loads afresh, and instantiates
  CHECK(test::invoke_fresh(*again, "f").status == RunOutcome::Status::Returned);
}

TEST_CASE("engine: info() keeps the usual ten largest functions") {
  std::string text = "(module";
  for (int i = 0; i < 15; ++i) text += " (func $f" + std::to_string(i) + ")";
  text += ")";
  auto engine = test_engine();
  auto module = load(*engine, wat(text));
  CHECK(module->info().function_count == 15);
  CHECK(module->info().largest_functions.size() == 10);
}

}  // namespace
}  // namespace edgectl::runtime
