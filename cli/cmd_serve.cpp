// edgectl serve: the local edge. Loads a manifest's components (or one module) into the
// runtime, serves them over HTTP on 127.0.0.1 (core/http), prints the routes and the URL,
// logs one line per request, and stops cleanly on SIGINT/SIGTERM.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <algorithm>
#include <mutex>

#include "http/serve_limits.hpp"
#include "http/server.hpp"
#include "limit_flags.hpp"
#include <nlohmann/json.hpp>

#include "oci/oci.hpp"
#include "runtime/host/host.hpp"
#include "runtime/host/runtime_config.hpp"
#include "registry_flags.hpp"
#include "serve_banner.hpp"
#include "serve_flags.hpp"
#include "serve_target.hpp"
#include "ui/diagnostic.hpp"
#include "ui/style.hpp"
#include "util/watch.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
// How long requests in flight may take to finish after SIGINT/SIGTERM.
constexpr std::chrono::seconds kShutdownGrace{10};
// --watch: a reload starts once files have been quiet this long.
constexpr std::chrono::milliseconds kWatchSettle{200};

struct Options {
  std::string target;
  std::string listen = "127.0.0.1:3000";
  std::string engine = std::string(runtime::kDefaultEngine);
  size_t workers = 0;
  bool json = false;
  bool watch = false;
  std::string log_file;
  std::string health_path = "/_edgectl/health", metrics_path = "/_edgectl/metrics";
  LimitFlags limits;
  ServeLimitFlags serve_limits;
  std::string pull = "missing";
  RegistryFlags registry;
  std::string kv = "sqlite";
  std::string kv_dir;
  std::string runtime_config;
};

// A registry reference rather than a path: oci://REF, or (when no such file exists) a
// first component that names a registry host ("ghcr.io/...", "127.0.0.1:5000/...").
bool is_registry_reference(const std::string& target) {
  if (target.rfind("oci://", 0) == 0) return true;
  std::error_code ec;
  if (target.empty() || fs::exists(target, ec)) return false;
  const size_t slash = target.find('/');
  if (slash == std::string::npos || slash == 0) return false;
  const std::string first = target.substr(0, slash);
  return first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost";
}

// Where an app served from a registry keeps its SQLite stores: by repository, not by
// digest, so the data outlives a new version ($XDG_DATA_HOME/edgectl/kv/REGISTRY/REPO).
fs::path registry_kv_dir(const std::string& target) {
  fs::path base;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) base = fs::path(xdg);
  else if (const char* home = std::getenv("HOME"); home && *home) base = fs::path(home) / ".local" / "share";
  else base = fs::temp_directory_path();
  auto ref = oci::parse_reference(target);
  return ref ? base / "edgectl" / "kv" / ref->registry / ref->repository : base / "edgectl" / "kv" / "unknown";
}

// A guest's log line (or the host's about a guest) for the server log.
std::string guest_log_line(const runtime::host::LogRecord& r, bool json) {
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  const char* level = kLevels[static_cast<uint32_t>(r.level)];
  if (json) {
    nlohmann::json j = {{"type", r.from_host ? "host" : "guest_log"}, {"level", level}, {"component", r.component},
                        {"request_id", r.request_id}, {"message", r.message}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  // One line per record: a guest's line breaks and control characters are escaped, so it
  // cannot forge lines of its own in the log.
  std::string message;
  for (unsigned char c : r.message) {
    if (c == '\n') message += "\\n";
    else if (c == '\r') message += "\\r";
    else if (c < 0x20 || c == 0x7f) message += '?';
    else message += static_cast<char>(c);
  }
  return std::string(r.from_host ? "edgectl" : "log") + " " + level + " " + r.component + " " + r.request_id + ": " + message;
}

// Pulls REF (or finds it in the store) and returns the folder to serve.
Result<fs::path> pull_for_serve(const Options& o) {
  auto ref = oci::parse_reference(o.target);
  if (!ref) return std::move(ref).error();
  oci::PullOptions options;
  if (!parse_pull_policy(o.pull, options.policy)) return Error("--pull: always, missing or never");
  options.transport = transport_options(o.registry, false);
  auto pulled = oci::pull(*ref, options);
  if (!pulled) return std::move(pulled).error();
  for (const auto& n : pulled->notes) ui::print_warning(n);
  if (!pulled->runnable)
    return Error(pulled->reference + " cannot be served (" + pulled->kind + "); its modules are in " + pulled->dir.string());
  std::fprintf(stderr, "%s %s\n", pulled->from_store ? "from the store:" : "pulled", pulled->reference.c_str());
  return pulled->dir;
}

int run_serve(const Options& o) {
  // Where: HOST:PORT, :PORT or PORT.
  std::string host = "127.0.0.1", port_text = o.listen;
  if (auto colon = o.listen.rfind(':'); colon != std::string::npos) {
    if (colon > 0) host = o.listen.substr(0, colon);
    port_text = o.listen.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end || port > 65535) {
    ui::print_error(Error("--listen '" + o.listen + "': expected HOST:PORT, e.g. 127.0.0.1:3000"));
    return kExitUsage;
  }

  auto engine = runtime::make_engine(o.engine);
  if (!engine) return ui::print_error(engine.error()), kExitUsage;

  // Where this host keeps its stores: read (and every URL checked) before anything is
  // pulled or loaded, so a typo stops serve at once. Stores connect on first use.
  std::optional<runtime::host::RuntimeConfig> runtime_config;
  if (!o.runtime_config.empty()) {
    auto config = runtime::host::load_runtime_config(o.runtime_config);
    if (!config) return ui::print_error(config.error()), kExitError;
    runtime_config = std::move(*config);
  }

  // What to serve: a module, a manifest, a folder with one, or the manifest found from here;
  // or an app from a registry, pulled into the store first (what an edge host runs).
  fs::path target = o.target.empty() ? fs::path(".") : fs::path(o.target);
  if (is_registry_reference(o.target)) {
    if (o.watch) return ui::print_error(Error("--watch reloads a folder on this machine, not a registry reference")), kExitUsage;
    auto dir = pull_for_serve(o);
    if (!dir) return ui::print_error(dir.error()), kExitError;
    target = *dir;
  }
  auto read = read_target(target);
  if (!read) return ui::print_error(read.error()), kExitError;
  // Server limits: built-in < profile < [serve] < flags. Fixed from here on: a reload
  // re-reads [serve] only for max_concurrent (components' own limits live in each load).
  const http::LimitSettings flags = o.serve_limits.to_settings();
  auto serve_settings = [](const ServeTarget& t) {
    return t.manifest ? http::limit_settings(t.manifest->serve) : http::LimitSettings{};
  };
  const http::LimitSettings started_with = serve_settings(*read);
  const http::ServeLimits limits = http::merge_limits(started_with, flags);

  std::FILE* log = stdout;
  if (!o.log_file.empty()) {
    log = std::fopen(o.log_file.c_str(), "a");
    if (!log) return ui::print_error(Error("cannot open --log-file " + o.log_file + ": " + std::strerror(errno))), kExitError;
  }
  auto write_log = [log](std::string_view line) {
    // One write per line: lines from concurrent requests never interleave.
    std::string out(line);
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), log);
    std::fflush(log);
  };

  ServeLoadOptions load;
  load.load.defaults = o.limits.to_limits(http::guest_defaults(limits.profile));
  load.load.on_notice = [](std::string_view note) {
    std::cerr << ui::paint("note:", ui::Tone::Dim, stderr) << " " << note << "\n";
  };
  load.load.on_warning = [](std::string_view warning) { ui::print_warning(std::string(warning)); };
  // The edgectl host module's services, kept across reloads (stores stay open).
  runtime::host::ServicesOptions services;
  services.kv = o.kv == "memory" ? runtime::host::ServicesOptions::Kv::Memory : runtime::host::ServicesOptions::Kv::Sqlite;
  services.kv_dir = !o.kv_dir.empty()                 ? fs::path(o.kv_dir)
                    : is_registry_reference(o.target) ? registry_kv_dir(o.target)
                    : read->manifest                  ? read->manifest->dir / ".edgectl" / "kv"
                                                      : read->module.parent_path() / ".edgectl" / "kv";
  if (runtime_config) services.open_store = runtime::host::store_opener(std::move(*runtime_config), services.kv_dir);
  services.on_log = [write_log, json = o.json](const runtime::host::LogRecord& r) { write_log(guest_log_line(r, json)); };
  load.load.services = std::make_shared<runtime::host::Services>(std::move(services));
  load.profile = limits.profile;
  load.concurrency_from_command_line = flags.max_concurrent.has_value();
  load.on_warning = [](const std::string& warning) { ui::print_warning(warning); };
  // --watch rebuilds on every edit: the dev profile (no binaryen pass) unless the manifest
  // sets one. A SIGHUP reload of plain serve builds what `edgectl build` would.
  load.build_profile = o.watch ? manifest::BuildProfile::Dev : manifest::BuildProfile::Release;
  // --watch builds first, as a reload would; plain serve serves what was built.
  auto loaded = load_target(std::move(*read), **engine, load, /*build=*/o.watch);
  if (!loaded) return ui::print_error(loaded.error()), kExitError;
  const std::string title = loaded->title;
  WatchInputs watching = std::move(loaded->watch);  // what --watch reacts to; replaced by each reload

  http::ServerOptions options;
  options.host = host;
  options.port = static_cast<uint16_t>(port);
  options.worker_threads = o.workers;
  options.json_log = o.json;
  options.limits = limits.server;
  options.websocket = limits.websocket;
  options.health_path = o.health_path;
  options.metrics_path = o.metrics_path;
  options.on_log = write_log;

  // SIGINT/SIGTERM are taken by this thread only (sigwait): block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Banner banner = make_banner(loaded->app, limits);
  auto server = http::Server::start(std::move(loaded->app), options);
  if (!server) return ui::print_error(server.error()), kExitError;
  load.load.services->set_websocket((*server)->websocket_hooks());
  banner.title = title;
  banner.url = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
               std::to_string((*server)->port());
  banner.health_path = options.health_path;
  banner.metrics_path = options.metrics_path;
  print_banner(banner, o.json);

  // Reloads (SIGHUP, --watch): build if the manifest has recipes, load, swap. A failure
  // leaves what is serving in place and says why. One at a time, under reload_mutex.
  std::mutex reload_mutex;
  auto reload_locked = [&](std::string_view why) {
    auto failed = [&](const Error& e) {
      std::cerr << ui::paint("reload failed", ui::Tone::Red, stderr) << " (" << why
                << "), still serving the previous version:\n";
      ui::print_error(e);
    };
    auto next_target = read_target(target);
    if (!next_target) return failed(next_target.error());
    http::LimitSettings now = serve_settings(*next_target), before = started_with;
    now.max_concurrent = before.max_concurrent = std::nullopt;  // reapplied per component
    if (now != before)
      load.load.on_notice("[serve] changed: its server limits and profile apply when edgectl serve restarts");
    auto next = load_target(std::move(*next_target), **engine, load, /*build=*/true);
    if (!next) return failed(next.error());
    (*server)->reload(std::move(next->app));
    watching = std::move(next->watch);
    std::cerr << ui::paint("reloaded", ui::Tone::Green, stderr) << " (" << why << ")\n";
  };
  auto reload = [&](std::string_view why) {
    std::lock_guard lock(reload_mutex);
    reload_locked(why);
  };
  std::unique_ptr<FolderWatcher> watcher;
  if (o.watch) {
    auto w = FolderWatcher::start(watching.dirs, kWatchSettle, [&](const std::vector<fs::path>& changed) {
      // Only real inputs count (WatchInputs): not the build's own output and state, not
      // editors' temporary files. Judged under the lock, against the latest load.
      std::lock_guard lock(reload_mutex);
      auto it = std::find_if(changed.begin(), changed.end(), [&](const fs::path& p) { return watching.relevant(p); });
      if (it != changed.end()) reload_locked(it->filename().string() + " changed");
    });
    if (!w) return ui::print_error(w.error()), kExitError;
    watcher = std::move(w).value();
  }

  int sig = 0;
  for (;;) {
    sigwait(&stop_signals, &sig);
    if (sig != SIGHUP) break;
    reload("SIGHUP");
  }
  watcher.reset();
  std::fprintf(stderr, "%s, finishing requests in flight...\n", sig == SIGINT ? "interrupted" : "terminated");
  (*server)->stop(kShutdownGrace);
  load.load.services->set_websocket({});  // nothing may reach the server from here on
  return 0;
}

}  // namespace

void add_serve(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the app's components over HTTP and WebSocket on this machine");
  auto* target = cmd->add_option("target", o->target,
                                 "edgectl.toml, a folder with one, a .wasm/.wat module to serve on every path, or a "
                                 "registry reference (oci://REF, or REGISTRY/REPO[:TAG]) (default: the edgectl.toml "
                                 "found from here)");
  cmd->add_option("-f,--file", o->target, "The manifest to serve (the same as giving it as TARGET)")
      ->type_name("PATH")
      ->excludes(target);
  cmd->add_option("--listen", o->listen, "Address to listen on, HOST:PORT")
      ->default_str("127.0.0.1:3000");
  cmd->add_option("--engine", o->engine,
                  "auto: interpreter at once, native code when compiled; aot; interp")
      ->check(CLI::IsMember({"auto", "aot", "interp"}))
      ->default_str(std::string(runtime::kDefaultEngine));
  cmd->add_option("--workers", o->workers, "Threads running guests (default: two per core)");
  o->serve_limits.add_to(*cmd);
  o->limits.add_to(*cmd);
  cmd->add_flag("--watch", o->watch,
                "Reload when a module, the manifest or a build input changes (builds first, with the dev "
                "build profile unless [component.build] sets one: no binaryen pass)");
  cmd->add_option("--log-file", o->log_file, "Append the access log to this file instead of stdout")
      ->type_name("PATH");
  cmd->add_flag("--json", o->json, "Log one JSON line per request (and the start-up as JSON)");
  cmd->add_option("--pull", o->pull,
                  "For a registry reference: always ask the registry; missing: use the local store when it has "
                  "the tag; never: the store only")
      ->type_name("always|missing|never")
      ->check(CLI::IsMember({"always", "missing", "never"}))
      ->default_str("missing");
  add_registry_flags(cmd, o->registry);
  cmd->add_option("--kv", o->kv, "Key-value stores: sqlite (files in .edgectl/kv, kept) or memory (gone on exit)")
      ->type_name("sqlite|memory")
      ->check(CLI::IsMember({"sqlite", "memory"}))
      ->default_str("sqlite");
  cmd->add_option("--kv-dir", o->kv_dir, "Where the SQLite stores live (default: .edgectl/kv beside the manifest)")
      ->type_name("DIR");
  cmd->add_option("--runtime-config", o->runtime_config,
                  "A TOML file saying where this host keeps key-value stores: [kv.NAME] with backend = redis "
                  "(url), sqlite (path) or memory; stores it does not name use --kv")
      ->type_name("PATH");
  auto path_check = [](const std::string& v) {
    return v.size() > 1 && v.front() == '/' && v.find_first_of("?# ") == std::string::npos
               ? std::string()
               : "expected an absolute path such as /healthz";
  };
  cmd->add_option("--health-path", o->health_path, "Where the health check answers (it shadows a route)")
      ->default_str("/_edgectl/health")
      ->type_name("PATH")
      ->check(path_check);
  cmd->add_option("--metrics-path", o->metrics_path, "Where the Prometheus metrics are served")
      ->default_str("/_edgectl/metrics")
      ->type_name("PATH")
      ->check(path_check);
  cmd->footer(
      "A fresh instance of the component runs each request (WAGI/CGI, docs/contract.md); its\n"
      "time limit defaults to 30s (504 beyond). Health: /_edgectl/health; Prometheus metrics:\n"
      "/_edgectl/metrics. SIGINT/SIGTERM finish requests in flight, then exit 0. SIGHUP or\n"
      "--watch reload: in-flight requests finish on the old modules; a failed build or load\n"
      "keeps the old ones serving.\n\n"
      "Each limit comes from the built-in default, then the profile (--profile, else the\n"
      "manifest's [serve] profile), then [serve], then these flags. Server limits are fixed\n"
      "at start: a changed [serve] applies after a restart (docs/manifest.md#serve).\n\n"
      "Examples:\n"
      "  edgectl serve                         # the edgectl.toml here or above\n"
      "  edgectl serve hello.wasm --listen 127.0.0.1:8080\n"
      "  edgectl serve ghcr.io/acme/hello:1.0 --pull always   # an edge host: pull, then serve\n"
      "  edgectl serve --json --timeout 2s --max-memory 64MiB\n"
      "  edgectl serve --profile cloudflare    # Cloudflare Workers' limits, before deploying\n"
      "  edgectl serve --runtime-config runtime.toml   # stores in Redis, shared by every host:\n"
      "      # runtime.toml:  [kv.default]\n"
      "      #                backend = \"redis\"\n"
      "      #                url = \"redis://127.0.0.1:6379/0\"");
  cmd->callback([o, &exit_code] { exit_code = run_serve(*o); });
}

}  // namespace edgectl::cli
