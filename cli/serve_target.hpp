#pragma once
// What `edgectl serve` serves: one module on every path, or a manifest's components (built
// first on a reload), loaded with the guest limits the profile and the flags give them, and
// the folders to watch for --watch.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/app.hpp"
#include "http/profile.hpp"
#include "manifest/manifest.hpp"
#include "runtime/runtime.hpp"

namespace edgectl::cli {

// A manifest, or a bare .wasm/.wat module when `manifest` is empty.
struct ServeTarget {
  std::optional<manifest::Manifest> manifest;
  std::filesystem::path module;
};

// Reads `target`: a module, a manifest, or a folder with one (or above it).
Result<ServeTarget> read_target(const std::filesystem::path& target);

struct ServeLoadOptions {
  http::LoadAppOptions load;                       // guest defaults (profile, then flags), notices
  const http::PlatformProfile* profile = nullptr;  // caps components, checks module sizes
  // --max-concurrent was given: [serve]'s max_concurrent does not apply.
  bool concurrency_from_command_line = false;
  std::function<void(const std::string&)> on_warning;
};

struct Loaded {
  http::App app;
  std::string title;
  std::vector<std::filesystem::path> watch_dirs;
};

// Loads what `target` names. With `build`, the manifest's components are built first
// (incremental: nothing runs when nothing changed).
Result<Loaded> load_target(ServeTarget target, runtime::Engine& engine,
                           const ServeLoadOptions& options, bool build);

}  // namespace edgectl::cli
