#pragma once
// `edgectl build`: for each component of a manifest, compile with its recipe, then (in
// process) validate → strip → optimize → validate → check import policy and size budget →
// write the artifact atomically → optionally pre-compile it to native code (the aot cache,
// runtime/aot/aot.hpp). Incremental: unchanged inputs skip the compile.
// The `dev` profile skips the optimizer and a size budget over the limit only warns; the
// compile itself is the same in both profiles, so switching profile never recompiles.
#include <chrono>
#include <cstdint>
#include <filesystem>
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

using manifest::BuildProfile;

struct BuildOptions {
  Rebuild rebuild = Rebuild::IfChanged;
  // Each component's profile: `profile` (the command line's) if set, else its manifest's
  // [component.build] profile, else `default_profile` (`serve --watch` sets dev).
  std::optional<BuildProfile> profile;
  BuildProfile default_profile = BuildProfile::Release;
  wasm::OptLevel opt_level = wasm::OptLevel::Oz;  // release only: dev does not optimize
  wasm::KeepNames keep_names = wasm::KeepNames::No;
  std::vector<std::string> only_components;  // empty: all
  // Also compile each artifact that passed its checks to native code in the aot cache, so
  // the first `run`/`serve` of it is a cache hit. Never fails the build: a missing toolchain
  // or a failed native compile becomes a warning in the report.
  bool aot = false;
  // Progress and toolchain output, in order, from the calling thread.
  std::function<void(const struct BuildEvent&)> on_event;
};

struct BuildEvent {
  // Progress: what a long step is doing now (the aot compile's "linking", ...), between its
  // StepStarted and StepFinished.
  enum class Kind { StepStarted, StepFinished, ToolOutput, Note, Progress } kind;
  std::string component;
  std::string step;  // "compile", "strip", "optimize", ..., "aot"
  std::string text;  // tool output chunk, a note ("up to date"), or a progress line
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

// The native pre-compile of an artifact (BuildOptions::aot).
struct AotReport {
  bool cache_hit = false;             // the cache already held it
  std::chrono::nanoseconds time{0};   // compile time, or lookup time on a hit
  uint64_t library_bytes = 0;
  std::string key;                    // the aot cache key
  std::string flags;                  // the C compiler's flags
  std::filesystem::path library;      // the cached shared object
};

struct ComponentReport {
  std::string id;
  std::string recipe;        // "c (clang-19)", "command", "prebuilt"
  BuildProfile profile = BuildProfile::Release;
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
  std::optional<AotReport> aot;       // when pre-compiled (BuildOptions::aot)
  // Did not fail the build: a failed native compile, a dev build over its size budget.
  std::vector<Diagnostic> warnings;
  bool ok() const { return failures.empty(); }
};

struct BuildReport {
  std::vector<ComponentReport> components;
  std::vector<Diagnostic> warnings;   // for the whole build (no aot toolchain)
  bool ok() const;
};

// Builds every (or each selected) component. Returns an Error when a build cannot run at
// all (a missing toolchain, a compiler error, an invalid module); check failures (budget,
// policy) come back in the report, with the artifact still written, so CI sees all of them.
Result<BuildReport> build_app(const manifest::Manifest& manifest, const BuildOptions& options);

// The profile `options` gives the component (see BuildOptions::profile).
BuildProfile profile_for(const manifest::Component& component, const BuildOptions& options);

// The profile of the last build of the component's artifact, as its build state records it,
// while the file is still exactly what that build wrote. nullopt for a prebuilt module, or one
// edgectl did not build, or one changed since.
std::optional<BuildProfile> built_profile(const manifest::Manifest& manifest,
                                          const manifest::Component& component);

// The post-compile pipeline on module bytes, also used by tests and benchmarks:
// validate → strip → optimize → validate. Step timings go to `steps`. Without a `level`
// (the dev profile) there is no optimize step and `optimized` is the stripped module.
struct PostProcessResult {
  Bytes stripped;
  Bytes optimized;
  std::vector<StepReport> steps;
};
Result<PostProcessResult> post_process(std::span<const uint8_t> raw, const std::string& filename,
                                       std::optional<wasm::OptLevel> level, wasm::KeepNames keep_names);

}  // namespace edgectl::build
