#pragma once
// Language recipes: how each `[component.build]` turns sources into a raw .wasm. A recipe
// is planned (toolchain found, argv made, inputs listed) before anything runs, so the
// plan's identity can key the incremental-build cache.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.hpp"
#include "util/error.hpp"

namespace edgectl::build {

struct CompilePlan {
  std::string label;                    // "c (clang-19)", "command"
  std::vector<std::string> argv;        // empty for in-process recipes (wat)
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;
  std::filesystem::path output;         // where the raw module appears
  std::optional<std::filesystem::path> wat_source;  // in-process: compile this .wat
  std::filesystem::path workdir;
  std::vector<std::string> inputs;      // relative to workdir; hashed for the cache key
  std::string tool_identity;            // the toolchain's --version text
};

// Default `watch` globs per language (the sources a preset reads).
std::vector<std::string> default_watch(manifest::Language lang);

// Finds the toolchain and makes the plan. A missing toolchain is an Error naming what to
// install. `raw_output` is where the module must be written; `manifest_dir` is
// Manifest::folder() (never empty).
Result<CompilePlan> plan_compile(const manifest::Component& component, const std::filesystem::path& manifest_dir,
                                 const std::filesystem::path& raw_output);

}  // namespace edgectl::build
