#pragma once
// What `edgectl serve` serves: one module on every path, or a manifest's components (built
// first on a reload), loaded with the guest limits the profile and the flags give them, and
// the folders to watch for --watch.
#include <filesystem>
#include <functional>
#include <map>
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
  // The profile of serve's builds for components whose [component.build] sets none:
  // dev under --watch (no binaryen pass between an edit and its response).
  manifest::BuildProfile build_profile = manifest::BuildProfile::Release;
};

// What --watch reacts to. Only real inputs count: the manifest, a module that changed since
// it was loaded (so the build writing it is not a change), and the files a component's
// build reads (its watch globs, or its language's defaults). Temporary files (edgectl's
// `.NAME.wasm.tmp-*`, editors' swap and backup files) and .edgectl/ never count.
struct WatchInputs {
  std::vector<std::filesystem::path> dirs;  // the folders to watch, absolute
  std::filesystem::path manifest;           // absolute; empty when serving a bare module
  std::map<std::filesystem::path, std::filesystem::file_time_type> modules;  // when loaded
  std::vector<std::pair<std::filesystem::path, std::vector<std::string>>> globs;  // workdir, globs
  bool relevant(const std::filesystem::path& changed) const;
};

struct Loaded {
  http::App app;
  std::string title;
  WatchInputs watch;
};

// Loads what `target` names. With `build`, the manifest's components are built first
// (incremental: nothing runs when nothing changed); a failed compile's error carries the
// toolchain's own output. Without it, a module that has not been built yet is an error
// saying so.
Result<Loaded> load_target(ServeTarget target, runtime::Engine& engine,
                           const ServeLoadOptions& options, bool build);

}  // namespace edgectl::cli
