// check_imports(): only allowed modules may be imported; each offender is named, all at once.
#include "support.hpp"

namespace edgectl::wasm {
namespace {

using test::wat;

ModuleInfo info_of(std::string_view text) {
  auto r = inspect(wat(text), "app.wasm");
  REQUIRE(r.ok());
  return std::move(r).value();
}

constexpr std::string_view kMixed = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "env" "foo" (func (param i32) (result i32)))
  (import "host" "mem" (memory 1))
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))))
)";

TEST_CASE("check_imports: WASI-only modules pass the default policy") {
  ModuleInfo m =
      info_of(R"((module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))))");
  CHECK(check_imports(m, ImportPolicy{}, "app.wasm").ok());
  CHECK(check_imports(info_of("(module)"), ImportPolicy{}, "app.wasm").ok());
}

TEST_CASE("check_imports: each offending import is one diagnostic, all reported at once") {
  ModuleInfo m = info_of(kMixed);
  auto s = check_imports(m, ImportPolicy{}, "app.wasm");
  REQUIRE_FALSE(s.ok());
  const auto& diags = s.error().diagnostics();
  REQUIRE(diags.size() == 2);
  CHECK(diags[0].message == "import 'env.foo' (func " +
                                FuncSignature{{"i32"}, {"i32"}}.to_string() +
                                ") is not allowed: only wasi_snapshot_preview1 may be imported");
  CHECK(diags[1].message ==
        "import 'host.mem' (memory 1) is not allowed: only wasi_snapshot_preview1 may be imported");
  // Each points at its import entry.
  const auto* loc = std::get_if<WasmLocation>(&diags[0].location);
  REQUIRE(loc != nullptr);
  CHECK(loc->file == "app.wasm");
  CHECK(loc->offset == m.imports[1].offset);
  // 'env' imports usually mean an undefined symbol; say so.
  REQUIRE(diags[0].notes.size() == 1);
  CHECK(diags[0].notes[0].find("undefined") != std::string::npos);
  CHECK(diags[1].notes.empty());
}

TEST_CASE("check_imports: the policy's modules are listed in the message") {
  ModuleInfo m = info_of(kMixed);
  ImportPolicy two{{"wasi_snapshot_preview1", "host"}};
  auto s = check_imports(m, two, "app.wasm");
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.error().diagnostics().size() == 1);
  CHECK(s.error().message().ends_with("only host and wasi_snapshot_preview1 may be imported"));

  ImportPolicy none{{}};
  auto all = check_imports(m, none, "app.wasm");
  REQUIRE_FALSE(all.ok());
  CHECK(all.error().diagnostics().size() == 4);
  CHECK(all.error().message().ends_with("this module may not import anything"));

  ImportPolicy permissive{{"wasi_snapshot_preview1", "env", "host"}};
  CHECK(check_imports(m, permissive, "app.wasm").ok());
}

}  // namespace
}  // namespace edgectl::wasm
