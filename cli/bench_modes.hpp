#pragma once
// The two other modes of `edgectl bench` (cmd_bench.cpp dispatches to them):
//   - in a project, without a URL: serve the app in-process and bench each route, plus a
//     cold-start profile per component (bench_project.cpp);
//   - --ws URL: open and hold many WebSocket connections, optionally sending messages
//     (bench_ws.cpp).
// Each adds its own flags to the `bench` subcommand; the common ones (-c, -d, -n, -t,
// --rate, --warmup, --timeout, --json, --html, --baseline) are parsed by cmd_bench.cpp and
// passed in `common`.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "bench/http_load.hpp"

namespace edgectl::cli {

struct BenchCommon {
  bench::HttpLoadOptions load;  // url empty in project mode; duration/requests/rate set
  bool json = false;
  std::string html;              // "": no report
  std::optional<std::vector<bench::RunResult>> baseline;
  std::string baseline_path;     // the file `baseline` was read from
  double max_regression = 0.1;
};

struct ProjectBenchFlags {
  std::string manifest;  // -f: edgectl.toml (default: found from the current folder)
  std::vector<std::string> routes;  // --route PATH (repeatable): only these
  std::string engines = "aot";      // --engine interp,aot
  bool no_cold_start = false;       // --no-cold-start
};
void add_project_flags(CLI::App& cmd, ProjectBenchFlags& flags);
int run_project_bench(const ProjectBenchFlags& flags, const BenchCommon& common);

struct WsBenchFlags {
  bool ws = false;       // --ws
  std::string hold;      // --hold DURATION
  std::string message;   // --message TEXT or @FILE
};
void add_ws_flags(CLI::App& cmd, WsBenchFlags& flags);
int run_ws_bench(const WsBenchFlags& flags, const BenchCommon& common);

}  // namespace edgectl::cli
