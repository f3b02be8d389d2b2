#pragma once
// `edgectl build`: for each component of a manifest, compile with its recipe, then (in
// process) validate → strip → optimize → validate → check import policy and size budget →
// write the artifact atomically. Incremental: unchanged inputs skip the compile.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::build {

enum class Rebuild { IfChanged, Always };

struct BuildOptions {
  Rebuild rebuild = Rebuild::IfChanged;
  wasm::OptLevel opt_level = wasm::OptLevel::Oz;
  wasm::KeepNames keep_names = wasm::KeepNames::No;
  std::vector<std::string> only_components;  // empty: all
  // Progress and toolchain output, in order, from the calling thread.
  std::function<void(const struct BuildEvent&)> on_event;
};

struct BuildEvent {
  enum class Kind { StepStarted, StepFinished, ToolOutput, Note } kind;
  std::string component;
  std::string step;  // "compile", "strip", "optimize", ...
  std::string text;  // tool output chunk, or a note ("up to date")
  OutputStream stream = OutputStream::Stdout;
};

struct StepReport {
  std::string name;     // "compile", "validate", "strip", "optimize", "check", "write"
  uint64_t size = 0;    // module size after the step (0 when the step does not change it)
  std::chrono::nanoseconds time{0};
  bool skipped = false;  // "up to date"
};

struct CheckFailure {
  std::string check;  // "budget", "imports", "features"
  Diagnostic diagnostic;
};

struct ComponentReport {
  std::string id;
  std::string recipe;        // "c (clang-19)", "command", "prebuilt"
  std::string output;        // artifact path, relative to the manifest folder
  bool compiled = false;     // false: compile skipped (up to date) or prebuilt
  bool up_to_date = false;   // nothing at all was redone
  uint64_t raw_size = 0;
  uint64_t stripped_size = 0;
  uint64_t optimized_size = 0;
  std::optional<uint64_t> budget;  // max_size
  std::vector<StepReport> steps;
  std::string sha256;        // of the artifact
  std::vector<CheckFailure> failures;
  bool ok() const { return failures.empty(); }
};

struct BuildReport {
  std::vector<ComponentReport> components;
  bool ok() const;
};

// Builds every (or each selected) component. Returns an Error when a build cannot run at
// all (a missing toolchain, a compiler error, an invalid module); check failures (budget,
// policy) come back in the report, with the artifact still written, so CI sees all of them.
Result<BuildReport> build_app(const manifest::Manifest& manifest, const BuildOptions& options);

// The post-compile pipeline on module bytes, also used by tests and benchmarks:
// validate → strip → optimize → validate. Step timings go to `steps`.
struct PostProcessResult {
  Bytes stripped;
  Bytes optimized;
  std::vector<StepReport> steps;
};
Result<PostProcessResult> post_process(std::span<const uint8_t> raw, const std::string& filename,
                                       wasm::OptLevel level, wasm::KeepNames keep_names);

}  // namespace edgectl::build
