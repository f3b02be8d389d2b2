// edgectl bench inside a project (see bench_modes.hpp): serve the app in-process on a free
// 127.0.0.1 port with each engine asked for, warm up, load each route, stop; then the
// cold-start profile of each component (core/bench/cold_start.hpp).
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "bench/cold_start.hpp"
#include "bench/routes.hpp"
#include "bench_modes.hpp"
#include "bench_output.hpp"
#include "http/profile.hpp"
#include "http/serve_limits.hpp"
#include "serve_target.hpp"
#include "ui/diagnostic.hpp"
#include "ui/style.hpp"
#include "ui/table.hpp"
#include "util/units.hpp"

namespace edgectl::cli {
namespace {

namespace fs = std::filesystem;

// Without --warmup: long enough for the first instances' page faults to be behind us, and
// for `auto` to have swapped in native code on a cache hit.
constexpr std::chrono::seconds kDefaultWarmup{1};
// Requests in flight when a route's run ends get this long before the server stops.
constexpr std::chrono::milliseconds kStopGrace{1000};
// Instances per profile: enough for a stable p99, quick even on the interpreter.
constexpr uint32_t kColdStartInstances = 200;
// `edgectl serve` processes started per first-byte figure (the median is reported).
constexpr uint32_t kFirstByteRuns = 3;
constexpr std::string_view kEngineNames[] = {"aot", "interp", "auto"};

void note(const std::string& text) {
  std::cerr << ui::paint("note:", ui::Tone::Dim, stderr) << " " << text << "\n";
}

Result<std::vector<std::string>> parse_engines(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    std::string name = list.substr(start, comma - start);
    if (std::find(std::begin(kEngineNames), std::end(kEngineNames), name) == std::end(kEngineNames))
      return Error("--engine '" + list + "': expected a comma-separated list of aot, interp, auto");
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    start = comma + 1;
  }
  return out;
}

// The app as `edgectl serve` would load it: the profile's and [serve]'s guest defaults.
Result<Loaded> load_project(const ServeTarget& target, runtime::Engine& engine,
                            http::ServeLimits& limits) {
  limits = http::merge_limits(http::limit_settings(target.manifest->serve), {});
  ServeLoadOptions load;
  load.load.defaults = http::guest_defaults(limits.profile);
  load.load.on_notice = [](std::string_view n) { note(std::string(n)); };
  load.profile = limits.profile;
  load.on_warning = [](const std::string& w) { ui::print_warning(w); };
  return load_target(target, engine, load, /*build=*/false);
}

std::string label_of(const std::string& method, const bench::BenchRoute& r,
                     const std::string& engine) {
  return method + " " + r.path + " (" + engine + ")";
}

struct EngineResult {
  std::vector<bench::RunResult> runs;  // one per selected route, in order
  std::vector<bench::ColdStartProfile> profiles;
};

// Instances of the route's component, loaded afresh on `engine`, with a GET's environment.
Result<bench::InstanceTimes> time_instances(const ServeTarget& target,
                                            const bench::BenchRoute& route,
                                            const std::string& engine) {
  auto loaded_engine = runtime::make_engine(engine);
  if (!loaded_engine) return std::move(loaded_engine).error();
  http::ServeLimits limits;
  auto loaded = load_project(target, **loaded_engine, limits);
  if (!loaded) return std::move(loaded).error();
  const http::App& app = loaded->app;
  const http::Router router(app.routes);
  auto routed = router.route(route.path);
  auto component = std::find_if(app.components.begin(), app.components.end(),
                                [&](const auto& c) { return c.id == route.component; });
  if (!routed || !*routed || component == app.components.end())
    return Error("no component " + route.component + " on " + route.path);
  http::Request request;
  request.method = "GET";
  request.target = route.path;
  request.remote_addr = request.server_name = "127.0.0.1";
  return bench::measure_instances(*component, request, (*routed)->match, kColdStartInstances);
}

// Every figure of one component on one engine; a figure that cannot be measured is a note.
// Call it with nothing of the app loaded: the cache-hit load then maps the library afresh,
// as a new process would.
bench::ColdStartProfile profile_component(const ServeTarget& target, const bench::BenchRoute& route,
                                          const std::string& engine) {
  bench::ColdStartProfile p;
  p.component = route.component;
  p.engine = engine;
  p.route = route.path;
  const manifest::Manifest& m = *target.manifest;
  const auto* source = m.find_component(route.component);
  if (source) {
    if (auto times = bench::measure_compile(m.dir / source->source.value, engine)) {
      p.compile_miss_ms = times->miss_ms;
      p.compile_hit_ms = times->hit_ms;
      if (!times->miss_ms) p.notes.push_back("no C toolchain: no cache-miss compile time");
    } else {
      p.notes.push_back("compile: " + times.error().message());
    }
  }
  if (auto times = time_instances(target, route, engine)) {
    p.instances = times->count;
    p.instantiate_us = times->instantiate_us;
    p.start_us = times->start_us;
    p.memory_bytes = times->memory_bytes;
  } else {
    p.notes.push_back("instances: " + times.error().message());
  }
  bench::FirstByteOptions first;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  first.serve_argv = {ec ? std::string("/proc/self/exe") : self.string(), "serve",
                      fs::absolute(m.path).string(), "--engine", engine};
  first.path = route.path;
  first.runs = kFirstByteRuns;
  if (auto ms = bench::measure_first_byte(first))
    p.first_byte_ms = *ms;
  else
    p.notes.push_back("first byte: " + ms.error().message());
  return p;
}

// Loads the app on `engine`, serves it, loads each route and stops. A run per route, in order.
Result<std::vector<bench::RunResult>> serve_and_load(const ServeTarget& target,
                                                     const std::string& engine_name,
                                                     const std::vector<bench::BenchRoute>& routes,
                                                     const BenchCommon& common) {
  auto engine = runtime::make_engine(engine_name);
  if (!engine) return std::move(engine).error();
  http::ServeLimits limits;
  auto loaded = load_project(target, **engine, limits);
  if (!loaded) return std::move(loaded).error();
  http::ServerOptions options;
  options.port = 0;
  options.limits = limits.server;
  options.websocket = limits.websocket;
  auto server = http::Server::start(loaded->app, options);
  if (!server) return std::move(server).error();
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());

  std::vector<bench::RunResult> runs;
  for (const auto& r : routes) {
    if (!common.json)
      std::fprintf(stderr, "benching %s on %s ...\n", r.path.c_str(), engine_name.c_str());
    bench::HttpLoadOptions load = common.load;
    load.url = base + r.path;
    load.label = label_of(load.method, r, engine_name);
    if (load.warmup.count() == 0) load.warmup = kDefaultWarmup;
    auto run = bench::run_http_load(load);
    if (!run) {
      (*server)->stop(kStopGrace);
      return std::move(run).error();
    }
    runs.push_back(std::move(run).value());
  }
  (*server)->stop(kStopGrace);
  return runs;
}

// The runs on `engine_name`, then (once the server and its modules are gone) the cold-start
// profile of each component the routes reach.
Result<EngineResult> bench_engine(const ServeTarget& target, const std::string& engine_name,
                                  const std::vector<bench::BenchRoute>& routes,
                                  const ProjectBenchFlags& flags, const BenchCommon& common) {
  auto runs = serve_and_load(target, engine_name, routes, common);
  if (!runs) return std::move(runs).error();
  EngineResult out;
  out.runs = std::move(runs).value();
  if (flags.no_cold_start) return out;
  std::set<std::string> profiled;
  for (const auto& r : routes) {
    if (!profiled.insert(r.component).second) continue;
    if (!common.json)
      std::fprintf(stderr, "cold start of %s on %s ...\n", r.component.c_str(),
                   engine_name.c_str());
    out.profiles.push_back(profile_component(target, r, engine_name));
  }
  return out;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// One table per component: a row per figure, a column per engine.
void print_cold_start(const std::vector<bench::ColdStartProfile>& profiles) {
  std::map<std::string, std::vector<const bench::ColdStartProfile*>> by_component;
  std::vector<std::string> order;
  for (const auto& p : profiles) {
    if (by_component[p.component].empty()) order.push_back(p.component);
    by_component[p.component].push_back(&p);
  }
  auto ms = [](const std::optional<double>& v) {
    return v ? fixed(*v, 1) + " ms" : std::string("-");
  };
  auto us = [](const bench::Quantiles& q) {
    return fixed(q.p50, 1) + " / " + fixed(q.p99, 1) + " µs";
  };
  for (const auto& component : order) {
    const auto& ps = by_component[component];
    std::vector<std::string> headers{""};
    std::vector<ui::Align> align{ui::Align::Left};
    for (const auto* p : ps) {
      headers.push_back(p->engine);
      align.push_back(ui::Align::Right);
    }
    ui::Table table(headers, align);
    auto row = [&](std::string name, auto cell) {
      std::vector<std::string> cells{std::move(name)};
      for (const auto* p : ps) cells.push_back(cell(*p));
      table.add_row(std::move(cells));
    };
    row("compile, cache miss", [&](const auto& p) { return ms(p.compile_miss_ms); });
    row("compile, cache hit", [&](const auto& p) { return ms(p.compile_hit_ms); });
    row("instantiate p50 / p99", [&](const auto& p) { return us(p.instantiate_us); });
    row("_start p50 / p99", [&](const auto& p) { return us(p.start_us); });
    row("memory per instance", [](const auto& p) { return human_bytes(p.memory_bytes); });
    row("first byte (serve)", [&](const auto& p) { return ms(p.first_byte_ms); });
    std::printf("%s\n", ui::paint("cold start: " + component + " (GET " + ps.front()->route + ", " +
                                      std::to_string(ps.front()->instances) + " instances)",
                                  ui::Tone::Bold, stdout)
                            .c_str());
    std::printf("%s", table.render(ui::color_enabled(stdout)).c_str());
    for (const auto* p : ps)
      for (const auto& n : p->notes) std::printf("  note (%s): %s\n", p->engine.c_str(), n.c_str());
  }
}

}  // namespace

void add_project_flags(CLI::App& cmd, ProjectBenchFlags& flags) {
  // Without a URL only (docs/bench.md, "Inside a project").
  cmd.add_option("-f,--file", flags.manifest,
                 "Project mode: the manifest (default: found from here)")
      ->type_name("FILE");
  cmd.add_option("--route", flags.routes,
                 "Project mode: only this route or request path (repeatable)")
      ->type_name("PATH");
  cmd.add_option("--engine", flags.engines, "Project mode: engines side by side, e.g. interp,aot")
      ->type_name("LIST")
      ->default_str("aot");
  cmd.add_flag("--no-cold-start", flags.no_cold_start, "Project mode: skip the cold-start profile");
}

int run_project_bench(const ProjectBenchFlags& flags, const BenchCommon& common) {
  auto engines = parse_engines(flags.engines);
  if (!engines) return ui::fail(engines.error(), common.json), kBenchExitUsage;
  auto target = read_target(flags.manifest.empty() ? fs::path(".") : fs::path(flags.manifest));
  if (!target) {
    if (!flags.manifest.empty()) return ui::fail(target.error(), common.json);
    return ui::fail(
               Error(
                   "give a URL to load (edgectl bench http://127.0.0.1:3000/hello), or run it in a "
                   "project folder to bench its routes (no edgectl.toml here or above)"),
               common.json),
           kBenchExitUsage;
  }
  if (!target->manifest)
    return ui::fail(Error("-f " + flags.manifest + ": expected a manifest (edgectl.toml)"),
                    common.json),
           kBenchExitUsage;

  // The routes, from the manifest as the server sees them (the router's targets).
  std::vector<bench::BenchRoute> routes;
  {
    auto engine = runtime::make_engine("interp");  // loads at once: only the routes matter here
    if (!engine) return ui::fail(engine.error(), common.json);
    http::ServeLimits limits;
    auto loaded = load_project(*target, **engine, limits);
    if (!loaded) return ui::fail(loaded.error(), common.json);
    auto selection = bench::select_routes(loaded->app.routes, flags.routes);
    if (!selection) return ui::fail(selection.error(), common.json), kBenchExitUsage;
    for (const auto& s : selection->skipped) note(s);
    routes = std::move(selection->routes);
  }

  std::vector<EngineResult> results;
  for (const auto& engine : *engines) {
    auto r = bench_engine(*target, engine, routes, flags, common);
    if (!r) return ui::fail(r.error(), common.json);
    results.push_back(std::move(r).value());
  }
  // Route by route, the engines side by side.
  std::vector<bench::RunResult> runs;
  std::vector<bench::ColdStartProfile> profiles;
  for (size_t i = 0; i < routes.size(); ++i)
    for (auto& r : results) runs.push_back(std::move(r.runs[i]));
  for (auto& r : results)
    for (auto& p : r.profiles) profiles.push_back(std::move(p));

  nlohmann::ordered_json extra;
  if (!flags.no_cold_start) {
    extra["cold_start"] = nlohmann::ordered_json::array();
    for (const auto& p : profiles) extra["cold_start"].push_back(bench::to_json(p));
  }
  const int code = finish_bench(runs, common, common.baseline_path, extra);
  if (!common.json && !profiles.empty()) print_cold_start(profiles);
  return code;
}

}  // namespace edgectl::cli
