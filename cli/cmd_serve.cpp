// edgectl serve: the local edge. Loads a manifest's components (or one module) into the
// runtime, serves them over HTTP on 127.0.0.1 (core/http), prints the routes and the URL,
// logs one line per request, and stops cleanly on SIGINT/SIGTERM.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include <mutex>

#include "build/build.hpp"
#include "http/app.hpp"
#include "http/server.hpp"
#include "limit_flags.hpp"
#include "ui/diagnostic.hpp"
#include "ui/style.hpp"
#include "util/units.hpp"
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
  std::string max_body, max_header;
  uint32_t max_concurrent = 0;
  bool watch = false;
  std::string log_file;
  std::string ws_max_message, ws_max_send_queue, ws_ping_interval, ws_pong_timeout, ws_idle_timeout;
  size_t ws_max_connections = 0;
  LimitFlags limits;
};

// What serve loaded, and what to watch for a reload.
struct Loaded {
  http::App app;
  std::string title;
  std::vector<fs::path> watch_dirs;
};

// Loads the target (a module, a manifest, a folder with one). With `build`, the manifest's
// components are built first (incremental: nothing runs when nothing changed).
Result<Loaded> load_target(const fs::path& target, runtime::Engine& engine,
                           const http::LoadAppOptions& load, bool build) {
  Loaded out;
  std::error_code ec;
  if (fs::is_regular_file(target, ec) && (target.extension() == ".wasm" || target.extension() == ".wat")) {
    auto app = http::load_module_app(target, engine, load);
    if (!app) return std::move(app).error();
    out.app = std::move(app).value();
    out.title = target.filename().string();
    out.watch_dirs.push_back(fs::absolute(target).parent_path());  // a file name: never empty
    return out;
  }
  auto path = fs::is_regular_file(target, ec) ? Result<fs::path>(target) : manifest::find_manifest(target);
  if (!path) return std::move(path).error();
  auto m = manifest::load_manifest(*path);
  if (!m) return std::move(m).error();
  const bool has_recipes = std::any_of(m->components.begin(), m->components.end(),
                                       [](const auto& c) { return c.build.has_value(); });
  if (build && has_recipes) {
    auto report = build::build_app(*m, build::BuildOptions{});
    if (!report) return std::move(report).error();
    if (!report->ok()) return Error("the build's checks failed (run `edgectl build` for the details)");
  }
  auto app = http::load_app(*m, engine, load);
  if (!app) return std::move(app).error();
  out.app = std::move(app).value();
  out.title = m->app.name.value;
  // A manifest found as "edgectl.toml" has an empty dir: the current folder.
  auto absolute = [](const fs::path& p) { return p.empty() ? fs::current_path() : fs::absolute(p); };
  out.watch_dirs.push_back(absolute(m->dir));
  for (const auto& c : m->components) {
    out.watch_dirs.push_back(absolute(m->dir / c.source.value).parent_path());
    if (!c.build) continue;
    // The folders holding the build's inputs: each watch glob's fixed leading part, walked.
    for (const auto& glob : c.build->watch) {
      fs::path fixed;
      for (const auto& part : fs::path(glob)) {
        const std::string s = part.string();
        if (s.find_first_of("*?[") != std::string::npos) break;
        fixed /= part;
      }
      fs::path root = absolute(m->dir / fixed);
      if (!fs::is_directory(root, ec)) root = root.parent_path();
      if (!fs::is_directory(root, ec)) continue;
      out.watch_dirs.push_back(root);
      for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_directory(ec) && it->path().filename() != ".edgectl") out.watch_dirs.push_back(it->path());
    }
  }
  return out;
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
  http::LoadAppOptions load;
  load.defaults = o.limits.to_limits();
  load.on_notice = [](std::string_view note) {
    std::cerr << ui::paint("note:", ui::Tone::Dim, stderr) << " " << note << "\n";
  };

  // What to serve: a module, a manifest, a folder with one, or the manifest found from here.
  const fs::path target = o.target.empty() ? fs::path(".") : fs::path(o.target);
  auto loaded = load_target(target, **engine, load, /*build=*/false);
  if (!loaded) return ui::print_error(loaded.error()), kExitError;
  const std::string title = loaded->title;
  const std::vector<fs::path> watch_dirs = loaded->watch_dirs;

  http::ServerOptions options;
  options.host = host;
  options.port = static_cast<uint16_t>(port);
  options.worker_threads = o.workers;
  options.json_log = o.json;
  if (!o.max_body.empty()) options.limits.max_body_bytes = parse_byte_size(o.max_body)->bytes;
  if (!o.max_header.empty()) options.limits.max_header_bytes = parse_byte_size(o.max_header)->bytes;
  if (o.max_concurrent) options.limits.max_concurrent_per_component = o.max_concurrent;
  // TEMPORARY (lead): WebSocket limit flags until the [serve] settings land.
  if (!o.ws_max_message.empty()) options.websocket.max_message_bytes = parse_byte_size(o.ws_max_message)->bytes;
  if (!o.ws_max_send_queue.empty()) options.websocket.max_send_queue_bytes = parse_byte_size(o.ws_max_send_queue)->bytes;
  if (!o.ws_ping_interval.empty()) options.websocket.ping_interval = std::chrono::duration_cast<std::chrono::milliseconds>(*parse_duration(o.ws_ping_interval));
  if (!o.ws_pong_timeout.empty()) options.websocket.pong_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*parse_duration(o.ws_pong_timeout));
  if (!o.ws_idle_timeout.empty()) options.websocket.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*parse_duration(o.ws_idle_timeout));
  if (o.ws_max_connections) options.websocket.max_connections = o.ws_max_connections;
  std::FILE* log = stdout;
  if (!o.log_file.empty()) {
    log = std::fopen(o.log_file.c_str(), "a");
    if (!log) return ui::print_error(Error("cannot open --log-file " + o.log_file + ": " + std::strerror(errno))), kExitError;
  }
  options.on_log = [log](std::string_view line) {
    // One write per line: lines from concurrent requests never interleave.
    std::string out(line);
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), log);
    std::fflush(log);
  };

  // SIGINT/SIGTERM are taken by this thread only (sigwait): block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::vector<http::RouteTarget> routes = loaded->app.routes;
  std::map<std::string, std::string> engines;
  for (const auto& c : loaded->app.components) engines[c.id] = std::string(c.module->engine());
  auto server = http::Server::start(std::move(loaded->app), options);
  if (!server) return ui::print_error(server.error()), kExitError;
  const std::string url = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                          ":" + std::to_string((*server)->port());
  if (o.json) {
    nlohmann::json j = {{"event", "listening"}, {"url", url}, {"app", title}};
    for (const auto& r : routes)
      j["routes"].push_back({{"route", r.route},
                             {"component", r.component},
                             {"static", r.static_dir},
                             {"engine", r.component.empty() ? "" : engines[r.component]}});
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("Serving %s on %s\n", title.c_str(), url.c_str());
    for (const auto& r : routes) {
      if (!r.static_dir.empty())
        std::printf("  %-24s static %s\n", r.route.c_str(), r.static_dir.c_str());
      else
        std::printf("  %-24s %s (%s)%s\n", r.route.c_str(), r.component.c_str(),
                    engines[r.component].c_str(), r.websocket ? " websocket" : "");
    }
    std::printf("  %-24s health\n  %-24s metrics\n", options.health_path.c_str(), options.metrics_path.c_str());
  }
  std::fflush(stdout);

  // Reloads (SIGHUP, --watch): build if the manifest has recipes, load, swap. A failure
  // leaves what is serving in place and says why. One at a time.
  std::mutex reload_mutex;
  auto reload = [&](std::string_view why) {
    std::lock_guard lock(reload_mutex);
    auto next = load_target(target, **engine, load, /*build=*/true);
    if (!next) {
      std::cerr << ui::paint("reload failed", ui::Tone::Red, stderr) << " (" << why
                << "), still serving the previous version:\n";
      ui::print_error(next.error());
      return;
    }
    (*server)->reload(std::move(next->app));
    std::cerr << ui::paint("reloaded", ui::Tone::Green, stderr) << " (" << why << ")\n";
  };
  std::unique_ptr<FolderWatcher> watcher;
  if (o.watch) {
    auto w = FolderWatcher::start(watch_dirs, kWatchSettle, [&](const std::vector<fs::path>& changed) {
      // The build's own state and temporary files are not changes to the app.
      bool relevant = false;
      for (const auto& p : changed) {
        const std::string s = p.string();
        relevant |= s.find("/.edgectl/") == std::string::npos && !p.filename().string().starts_with(".");
      }
      if (relevant) reload(changed.front().filename().string() + " changed");
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
  return 0;
}

}  // namespace

void add_serve(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the app's components over HTTP on this machine");
  cmd->add_option("target", o->target,
                  "edgectl.toml, a folder with one, or a .wasm/.wat module to serve on every path "
                  "(default: the edgectl.toml found from here)");
  cmd->add_option("--listen", o->listen, "Address to listen on, HOST:PORT")
      ->default_str("127.0.0.1:3000");
  cmd->add_option("--engine", o->engine,
                  "auto: interpreter at once, native code when compiled; aot; interp")
      ->check(CLI::IsMember({"auto", "aot", "interp"}))
      ->default_str(std::string(runtime::kDefaultEngine));
  cmd->add_option("--workers", o->workers, "Threads running guests (default: two per core)");
  cmd->add_option("--max-body", o->max_body, "Largest request body (413 beyond)")
      ->default_str("10MiB")
      ->check([](const std::string& v) {
        return parse_byte_size(v) ? std::string() : "expected a size such as 1MiB or 512KiB";
      });
  cmd->add_option("--max-header", o->max_header, "Largest request head (431 beyond)")
      ->default_str("16KiB")
      ->check([](const std::string& v) {
        return parse_byte_size(v) ? std::string() : "expected a size such as 16KiB";
      });
  cmd->add_option("--max-concurrent", o->max_concurrent,
                  "Guest instances running at once per component (503 beyond)")
      ->default_str("64");
  o->limits.add_to(*cmd);
  cmd->add_option("--ws-max-message", o->ws_max_message, "WebSocket: largest message (close 1009 beyond)");
  cmd->add_option("--ws-max-send-queue", o->ws_max_send_queue, "WebSocket: bytes queued to a slow reader (close 1008 beyond)");
  cmd->add_option("--ws-ping-interval", o->ws_ping_interval, "WebSocket: ping after this long without a word");
  cmd->add_option("--ws-pong-timeout", o->ws_pong_timeout, "WebSocket: close 4001 when a ping is not answered in time");
  cmd->add_option("--ws-idle-timeout", o->ws_idle_timeout, "WebSocket: close 1001 after this long without a message");
  cmd->add_option("--ws-max-connections", o->ws_max_connections, "WebSocket: open connections at most (503 beyond)");
  cmd->add_flag("--watch", o->watch,
                "Reload when a module, the manifest or a build input changes (builds first)");
  cmd->add_option("--log-file", o->log_file, "Append the access log to this file instead of stdout")
      ->type_name("PATH");
  cmd->add_flag("--json", o->json, "Log one JSON line per request (and the start-up as JSON)");
  cmd->footer(
      "A fresh instance of the component runs each request (WAGI/CGI, docs/contract.md); its\n"
      "time limit defaults to 30s (504 beyond). Health: /_edgectl/health; Prometheus metrics:\n"
      "/_edgectl/metrics. SIGINT/SIGTERM finish requests in flight, then exit 0. SIGHUP or\n"
      "--watch reload: in-flight requests finish on the old modules; a failed build or load\n"
      "keeps the old ones serving.\n\n"
      "Examples:\n"
      "  edgectl serve                         # the edgectl.toml here or above\n"
      "  edgectl serve hello.wasm --listen 127.0.0.1:8080\n"
      "  edgectl serve --json --timeout 2s --max-memory 64MiB");
  cmd->callback([o, &exit_code] { exit_code = run_serve(*o); });
}

}  // namespace edgectl::cli
