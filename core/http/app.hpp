#pragma once
// What `edgectl serve` serves, loaded from a manifest or a bare module: every component's
// module through the engine, with its env, args, file mounts and limits, and the routes.
#include <filesystem>
#include <functional>

#include "http/server.hpp"
#include "manifest/manifest.hpp"
#include "runtime/host/host.hpp"
#include "runtime/runtime.hpp"

namespace edgectl::http {

// A guest's time limit when neither the manifest nor the command line sets one: a request
// that runs longer gets 504 and its instance is stopped.
inline constexpr std::chrono::seconds kDefaultRequestTimeout{30};

struct LoadAppOptions {
  runtime::Limits defaults;  // under each component's own limits from the manifest
  std::function<void(std::string_view)> on_notice;
  std::function<void(std::string_view)> on_warning;  // runtime::LoadOptions::on_warning
  // The edgectl host module's services (stores, log, WebSocket hooks), kept across reloads
  // by the caller. Null: load_app makes one with SQLite stores in the app's .edgectl/kv.
  std::shared_ptr<runtime::host::Services> services;
};

// Loads each component's built module (Error: a missing or invalid module, naming the
// component and its manifest line). Routes keep the manifest's order.
Result<App> load_app(const manifest::Manifest& manifest, runtime::Engine& engine,
                     const LoadAppOptions& options);
// A bare module served on every path ("/..."), as component `main`.
Result<App> load_module_app(const std::filesystem::path& module, runtime::Engine& engine,
                            const LoadAppOptions& options);

}  // namespace edgectl::http
