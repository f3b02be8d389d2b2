#pragma once
// Helpers for the engine tests: load a fixture into the engine under test, instantiate it
// and call an export, failing the test on any Error (traps are outcomes, not errors).
//
// The engine tests run twice under ctest: as themselves (interp), and prefixed "aot/" with
// EDGECTL_TEST_ENGINE=aot (tests/CMakeLists.txt), so the same assertions hold for both
// engines. The aot run compiles into a cache under the build folder, kept between runs.
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "support.hpp"

namespace edgectl::runtime {
inline std::ostream& operator<<(std::ostream& os, TrapKind k) {
  return os << to_string(k);
}
inline std::ostream& operator<<(std::ostream& os, RunOutcome::Status s) {
  return os << (s == RunOutcome::Status::Returned ? "returned"
                : s == RunOutcome::Status::Exited ? "exited"
                                                  : "trapped");
}
}  // namespace edgectl::runtime

namespace edgectl::test {

inline std::unique_ptr<runtime::Engine> interp_engine() {
  auto engine = runtime::make_engine("interp");
  REQUIRE(engine.ok());
  return std::move(engine).value();
}

// "interp" unless EDGECTL_TEST_ENGINE names another engine.
inline std::string test_engine_name() {
  const char* name = std::getenv("EDGECTL_TEST_ENGINE");
  return name && *name ? name : "interp";
}

// The engine under test. For aot, the cache goes to the build folder's test cache.
inline std::unique_ptr<runtime::Engine> test_engine() {
  const std::string name = test_engine_name();
  if (name != "interp") ::setenv("XDG_CACHE_HOME", EDGECTL_TEST_AOT_CACHE, /*overwrite=*/1);
  auto engine = runtime::make_engine(name);
  REQUIRE(engine.ok());
  return std::move(engine).value();
}

// A module the engine may run on the interpreter instead (aot: what wasm2c cannot take).
inline std::shared_ptr<const runtime::Module> load_any(runtime::Engine& engine, const Bytes& bytes,
                                                       const runtime::LoadOptions& options = {}) {
  auto module = engine.load(bytes, options);
  REQUIRE_MESSAGE(module.ok(), (module.ok() ? "" : module.error().message()));
  return std::move(module).value();
}

inline std::shared_ptr<const runtime::Module> load(runtime::Engine& engine, const Bytes& bytes,
                                                   const runtime::LoadOptions& options = {}) {
  auto module = engine.load(bytes, options);
  REQUIRE_MESSAGE(module.ok(), (module.ok() ? "" : module.error().message()));
  // The aot engine runs what it cannot compile on the interpreter: an engine test would then
  // pass without testing native code. Every module here must compile.
  CHECK_MESSAGE((*module)->engine() == engine.name(), "loaded on " << (*module)->engine());
  return std::move(module).value();
}

inline std::unique_ptr<runtime::Instance> instantiate(
    const runtime::Module& module, const runtime::Limits& limits = runtime::Limits::defaults(),
    std::unique_ptr<runtime::wasi::WasiCtx> wasi = nullptr) {
  auto instance = module.instantiate(std::move(wasi), limits);
  REQUIRE_MESSAGE(instance.ok(), (instance.ok() ? "" : instance.error().message()));
  return std::move(instance).value();
}

inline runtime::RunOutcome invoke(runtime::Instance& instance, std::string_view name,
                                  std::vector<runtime::Value> args = {}) {
  auto outcome = instance.invoke(name, args);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? "" : outcome.error().message()));
  return std::move(outcome).value();
}

// One fresh instance of `module`, one call.
inline runtime::RunOutcome invoke_fresh(
    const runtime::Module& module, std::string_view name, std::vector<runtime::Value> args = {},
    const runtime::Limits& limits = runtime::Limits::defaults()) {
  auto instance = instantiate(module, limits);
  return invoke(*instance, name, std::move(args));
}

inline runtime::TrapKind trap_kind(const runtime::RunOutcome& o) {
  REQUIRE_MESSAGE(o.status == runtime::RunOutcome::Status::Trapped, o.status);
  REQUIRE(o.trap.has_value());
  return o.trap->kind;
}

// A WASI command run to completion in Buffer mode: its outcome and captured stdio.
struct Ran {
  runtime::RunOutcome outcome;
  std::string out, err;
};

inline Ran run_command(const runtime::Module& module, runtime::wasi::WasiConfig config,
                       const runtime::Limits& limits = runtime::Limits::defaults()) {
  auto ctx = runtime::wasi::WasiCtx::create(std::move(config));
  REQUIRE_MESSAGE(ctx.ok(), (ctx.ok() ? "" : ctx.error().message()));
  auto instance = instantiate(module, limits, std::move(ctx).value());
  auto o = instance->run_start();
  REQUIRE_MESSAGE(o.ok(), (o.ok() ? "" : o.error().message()));
  return {std::move(o).value(), instance->wasi().captured_stdout(), instance->wasi().captured_stderr()};
}

}  // namespace edgectl::test
