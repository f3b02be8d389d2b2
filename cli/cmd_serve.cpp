// edgectl serve: the local edge. Loads a manifest's components (or one module) into the
// runtime, serves them over HTTP on 127.0.0.1 (core/http), prints the routes and the URL,
// logs one line per request, and stops cleanly on SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "http/app.hpp"
#include "http/server.hpp"
#include "limit_flags.hpp"
#include "ui/diagnostic.hpp"
#include "ui/style.hpp"
#include "util/units.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
// How long requests in flight may take to finish after SIGINT/SIGTERM.
constexpr std::chrono::seconds kShutdownGrace{10};

struct Options {
  std::string target;
  std::string listen = "127.0.0.1:3000";
  std::string engine = std::string(runtime::kDefaultEngine);
  size_t workers = 0;
  bool json = false;
  std::string max_body, max_header;
  uint32_t max_concurrent = 0;
  LimitFlags limits;
};

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
  fs::path target = o.target.empty() ? fs::path(".") : fs::path(o.target);
  Result<http::App> app = Error("nothing to serve");
  std::string title;
  std::error_code ec;
  if (fs::is_regular_file(target, ec) && (target.extension() == ".wasm" || target.extension() == ".wat")) {
    app = http::load_module_app(target, **engine, load);
    title = target.filename().string();
  } else {
    auto path = fs::is_regular_file(target, ec) ? Result<fs::path>(target) : manifest::find_manifest(target);
    if (!path) return ui::print_error(path.error()), kExitError;
    auto m = manifest::load_manifest(*path);
    if (!m) return ui::print_error(m.error()), kExitError;
    app = http::load_app(*m, **engine, load);
    title = m->app.name.value;
  }
  if (!app) return ui::print_error(app.error()), kExitError;

  http::ServerOptions options;
  options.host = host;
  options.port = static_cast<uint16_t>(port);
  options.worker_threads = o.workers;
  options.json_log = o.json;
  if (!o.max_body.empty()) options.limits.max_body_bytes = parse_byte_size(o.max_body)->bytes;
  if (!o.max_header.empty()) options.limits.max_header_bytes = parse_byte_size(o.max_header)->bytes;
  if (o.max_concurrent) options.limits.max_concurrent_per_component = o.max_concurrent;
  options.on_log = [](std::string_view line) {
    std::fprintf(stdout, "%.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(stdout);
  };

  // SIGINT/SIGTERM are taken by this thread only (sigwait): block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::vector<http::RouteTarget> routes = app->routes;
  std::map<std::string, std::string> engines;
  for (const auto& c : app->components) engines[c.id] = std::string(c.module->engine());
  auto server = http::Server::start(std::move(app).value(), options);
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

  int sig = 0;
  sigwait(&stop_signals, &sig);
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
  cmd->add_flag("--json", o->json, "Log one JSON line per request (and the start-up as JSON)");
  cmd->footer(
      "A fresh instance of the component runs each request (WAGI/CGI, docs/contract.md); its\n"
      "time limit defaults to 30s (504 beyond). Health: /_edgectl/health; Prometheus metrics:\n"
      "/_edgectl/metrics. SIGINT/SIGTERM finish requests in flight, then exit 0.\n\n"
      "Examples:\n"
      "  edgectl serve                         # the edgectl.toml here or above\n"
      "  edgectl serve hello.wasm --listen 127.0.0.1:8080\n"
      "  edgectl serve --json --timeout 2s --max-memory 64MiB");
  cmd->callback([o, &exit_code] { exit_code = run_serve(*o); });
}

}  // namespace edgectl::cli
