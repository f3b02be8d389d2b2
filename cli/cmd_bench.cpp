// edgectl bench: HTTP load against a URL (core/bench), a summary table or --json
// (docs/bench.md), a baseline gate for CI, and an HTML report.
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench_output.hpp"
#include "bench/http_load.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "ui/style.hpp"
#include "util/units.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = kBenchExitOk;
constexpr int kExitUsage = kBenchExitUsage;
// Without -d or -n: a run this long.
constexpr std::chrono::seconds kDefaultDuration{10};
constexpr uint32_t kDefaultConnections = 50;

struct Options {
  std::string url;
  uint32_t connections = kDefaultConnections;
  uint32_t threads = 0;  // 0: one per core
  std::string duration, warmup = "0s", timeout = "10s";
  uint64_t requests = 0;
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body_file;
  double rate = 0;
  bool json = false;
  std::string baseline;
  std::string max_regression = "10%";
  std::string html;
  std::vector<std::string> compare;
  std::string label;
  ProjectBenchFlags project_flags;
  WsBenchFlags ws_flags;
};

std::atomic<bool> g_stop{false};

// "10%" or "0.1" → 0.1.
std::optional<double> parse_fraction(std::string text) {
  bool percent = !text.empty() && text.back() == '%';
  if (percent) text.pop_back();
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end || !(v >= 0)) return std::nullopt;
  return percent ? v / 100 : v;
}

int run_bench(const Options& o) {
  // --compare A.json B.json: render two saved runs, no load.
  if (!o.compare.empty()) {
    if (o.compare.size() != 2) return ui::fail(Error("--compare takes two JSON files"), o.json), kExitUsage;
    auto a = read_bench_document(o.compare[0]);
    if (!a) return ui::fail(a.error(), o.json);
    auto b = read_bench_document(o.compare[1]);
    if (!b) return ui::fail(b.error(), o.json);
    if (o.html.empty()) return ui::fail(Error("--compare needs --html FILE"), o.json), kExitUsage;
    if (auto s = write_bench_html(o.html, *a, *b); !s) return ui::fail(s.error(), o.json);
    if (!o.json) std::printf("wrote %s\n", o.html.c_str());
    return kExitOk;
  }
  bench::HttpLoadOptions load;
  load.url = o.url;
  load.method = o.method;
  load.connections = o.connections;
  load.threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  load.label = o.label;
  for (const auto& h : o.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0)
      return ui::fail(Error("-H '" + h + "': expected 'Name: value'"), o.json), kExitUsage;
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    load.headers.emplace_back(h.substr(0, colon), value);
  }
  if (!o.body_file.empty()) {
    std::ifstream in(o.body_file, std::ios::binary);
    if (!in) return ui::fail(Error("cannot read --body " + o.body_file), o.json), kExitUsage;
    std::stringstream ss;
    ss << in.rdbuf();
    load.body = ss.str();
  }
  if (o.requests && !o.duration.empty())
    return ui::fail(Error("-n and -d do not go together: give one"), o.json), kExitUsage;
  if (o.requests) load.requests = o.requests;
  else load.duration = o.duration.empty() ? std::chrono::duration_cast<std::chrono::nanoseconds>(kDefaultDuration)
                                          : *parse_duration(o.duration);
  if (o.rate > 0) load.rate = o.rate;
  load.warmup = *parse_duration(o.warmup);
  load.timeout = *parse_duration(o.timeout);
  std::optional<double> max_regression;
  if (!o.baseline.empty()) {
    max_regression = parse_fraction(o.max_regression);
    if (!max_regression) return ui::fail(Error("--max-regression '" + o.max_regression + "': expected e.g. 10%"), o.json), kExitUsage;
  }
  std::optional<std::vector<bench::RunResult>> baseline;
  if (!o.baseline.empty()) {  // read first: a missing baseline should not cost a whole run
    auto b = read_bench_document(o.baseline);
    if (!b) return ui::fail(b.error(), o.json);
    baseline = std::move(b).value();
  }

  load.stop = &g_stop;
  ::signal(SIGINT, [](int) { g_stop = true; });
  BenchCommon common;
  common.json = o.json;
  common.html = o.html;
  common.baseline = std::move(baseline);
  common.baseline_path = o.baseline;
  if (max_regression) common.max_regression = *max_regression;
  if (o.ws_flags.ws) {
    common.load = std::move(load);
    return run_ws_bench(o.ws_flags, common);
  }
  if (o.url.empty()) {  // inside a project
    common.load = std::move(load);
    return run_project_bench(o.project_flags, common);
  }

  // A live line on a terminal; SIGINT ends the run early with what was measured.
  const bool tty = ::isatty(STDERR_FILENO);
  if (tty && !o.json)
    load.on_progress = [](const bench::Progress& p) {
      std::fprintf(stderr, "\r\033[K  %5.1f s  %s requests  %s/s  %s errors", p.elapsed_s,
                   format_thousands(static_cast<double>(p.requests)).c_str(), format_thousands(p.requests_per_s).c_str(),
                   format_thousands(static_cast<double>(p.errors)).c_str());
      std::fflush(stderr);
    };
  auto result = bench::run_http_load(load);
  ::signal(SIGINT, SIG_DFL);
  if (tty && !o.json) std::fprintf(stderr, "\r\033[K");
  if (!result) return ui::fail(result.error(), o.json);
  const std::vector<bench::RunResult> runs{std::move(result).value()};
  return finish_bench(runs, common, o.baseline);
}

}  // namespace

void add_bench(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("bench", "Load an HTTP endpoint and report throughput and latency");
  cmd->add_option("url", o->url,
                  "The URL to load (http://HOST[:PORT]/PATH; ws:// with --ws). Without one, inside a "
                  "project: every route of the app, served in-process");
  cmd->add_option("-c,--connections", o->connections, "Connections kept open")
      ->default_str(std::to_string(kDefaultConnections))
      ->type_name("N")
      ->check(CLI::Range(1u, 1'000'000u).description(""));
  cmd->add_option("-d,--duration", o->duration, "How long to load (default 10s; or -n)")
      ->type_name("DUR")
      ->check([](const std::string& v) { return parse_duration(v) && *parse_duration(v) > std::chrono::nanoseconds(0) ? "" : "expected a duration such as 10s"; });
  cmd->add_option("-n,--requests", o->requests, "Send exactly this many requests, then stop")
      ->type_name("N")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40).description(""));
  cmd->add_option("-t,--threads", o->threads, "Load threads (default: one per core)")->type_name("N");
  cmd->add_option("-m,--method", o->method, "Request method")->default_str("GET");
  cmd->add_option("-H,--header", o->headers, "A request header, 'Name: value' (repeatable)")->type_name("'K: V'");
  cmd->add_option("--body", o->body_file, "Send this file as the request body")->type_name("FILE");
  cmd->add_option("--rate", o->rate,
                  "Open loop: this many requests per second in all; latency counts from when each was due")
      ->type_name("RPS")
      ->check(CLI::PositiveNumber.description(""));
  auto duration_check = [](const std::string& v) { return parse_duration(v) ? "" : "expected a duration such as 2s"; };
  cmd->add_option("--warmup", o->warmup, "Load first for this long without measuring")->type_name("DUR")->check(duration_check);
  cmd->add_option("--timeout", o->timeout, "A request without a full response this long is a timeout error")
      ->type_name("DUR")
      ->default_str("10s")
      ->check(duration_check);
  cmd->add_option("--label", o->label, "Name of the run in reports (default: METHOD URL)");
  cmd->add_flag("--json", o->json, "Print the result as JSON (schema edgectl-bench/v1, docs/bench.md)");
  cmd->add_option("--baseline", o->baseline, "Compare with a saved --json result: exit 1 on a regression")->type_name("FILE.json");
  cmd->add_option("--max-regression", o->max_regression, "Allowed fall in requests/s or rise in p99")->default_str("10%");
  cmd->add_option("--html", o->html, "Write a self-contained HTML report")->type_name("FILE");
  cmd->add_option("--compare", o->compare, "Render two saved --json results together (with --html)")
      ->expected(2)
      ->type_name("FILE.json");
  add_project_flags(*cmd, o->project_flags);
  add_ws_flags(*cmd, o->ws_flags);
  cmd->footer(
      "Keep-alive HTTP/1.1 on a few threads. Closed loop by default; --rate sends at a constant\n"
      "rate and measures latency from each request's due time (coordinated omission corrected).\n"
      "Latency percentiles come from a log-linear histogram accurate to within +0.8%.\n\n"
      "Examples:\n"
      "  edgectl bench http://127.0.0.1:3000/hello -c 64 -d 10s\n"
      "  edgectl bench http://127.0.0.1:3000/api -n 10000 -m POST --body order.json -H 'Content-Type: application/json'\n"
      "  edgectl bench http://127.0.0.1:3000/hello --rate 2000 -d 30s --json > run.json\n"
      "  edgectl bench http://127.0.0.1:3000/hello --baseline main.json --max-regression 10%\n"
      "  edgectl bench --compare main.json branch.json --html report.html\n"
      "  edgectl bench --ws ws://127.0.0.1:3000/ws -c 10000 --hold 30s\n"
      "  edgectl bench --engine interp,aot -d 5s          # inside a project: every route, cold start");
  cmd->callback([o, &exit_code] { exit_code = run_bench(*o); });
}

}  // namespace edgectl::cli
