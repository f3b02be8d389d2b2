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

#include "bench/html.hpp"
#include "bench/http_load.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "ui/style.hpp"
#include "util/units.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitError = 1;  // a failed run, or the baseline gate failed
constexpr int kExitUsage = 2;
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

std::string ms(uint64_t ns) {
  char buf[32];
  const double v = static_cast<double>(ns) / 1e6;
  std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
  return buf;
}

std::string thousands(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  const size_t dot = s.find('.');
  size_t end = dot == std::string::npos ? s.size() : dot;
  for (int i = static_cast<int>(end) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

void print_summary(const bench::RunResult& r) {
  const auto& h = r.latency;
  std::string how = r.config.rate ? "open loop at " + thousands(*r.config.rate) + " req/s, latency from the intended send time"
                                  : "closed loop";
  std::printf("%s\n", ui::paint(r.label, ui::Tone::Bold, stdout).c_str());
  std::printf("  %u connections, %u threads, %.1f s measured (%s)\n", r.config.connections, r.config.threads,
              r.elapsed_s, how.c_str());
  std::printf("  requests   %s   %s/s   %s/s\n", thousands(static_cast<double>(r.requests)).c_str(),
              thousands(r.requests_per_s(), 1).c_str(), human_bytes(static_cast<uint64_t>(r.bytes_per_s())).c_str());
  if (h.count()) {
    std::printf("  latency    min %s  mean %s  stdev %s  max %s ms\n", ms(h.min()).c_str(),
                ms(static_cast<uint64_t>(h.mean())).c_str(), ms(static_cast<uint64_t>(h.stdev())).c_str(),
                ms(h.max()).c_str());
    std::printf("             p50 %s  p90 %s  p99 %s  p99.9 %s  p99.99 %s ms  (within +%.1f%%)\n",
                ms(h.percentile(50)).c_str(), ms(h.percentile(90)).c_str(), ms(h.percentile(99)).c_str(),
                ms(h.percentile(99.9)).c_str(), ms(h.percentile(99.99)).c_str(),
                bench::Histogram::kRelativePrecision * 100);
  }
  std::string status;
  for (const auto& [code, n] : r.status) status += (status.empty() ? "" : ", ") + std::to_string(code) + ": " + thousands(static_cast<double>(n));
  std::printf("  status     %s\n", status.empty() ? "no responses" : status.c_str());
  const auto& e = r.errors;
  if (e.total())
    std::printf("  errors     %s\n", ui::paint("connect " + std::to_string(e.connect) + ", timeout " + std::to_string(e.timeout) +
                                                   ", reset " + std::to_string(e.reset) + ", protocol " + std::to_string(e.protocol),
                                               ui::Tone::Red, stdout)
                                         .c_str());
  else
    std::printf("  errors     none\n");
  if (r.requests) std::printf("  cpu        %.2f s (%.1f µs per request)\n", r.cpu_s, r.cpu_s * 1e6 / static_cast<double>(r.requests));
}

Result<std::vector<bench::RunResult>> read_document(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error("cannot read " + path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(path + ": not JSON");
  auto runs = bench::from_json(j);
  if (!runs) return std::move(runs).error().context(path + ": ");
  return runs;
}

Status write_html(const std::string& path, const std::vector<bench::RunResult>& runs,
                  const std::vector<bench::RunResult>& compare) {
  std::ofstream out(path);
  if (!out) return Error("cannot write " + path);
  out << bench::render_html(runs, compare);
  if (!out) return Error("cannot write " + path);
  return {};
}

int run_bench(const Options& o) {
  // --compare A.json B.json: render two saved runs, no load.
  if (!o.compare.empty()) {
    if (o.compare.size() != 2) return ui::fail(Error("--compare takes two JSON files"), o.json), kExitUsage;
    auto a = read_document(o.compare[0]);
    if (!a) return ui::fail(a.error(), o.json);
    auto b = read_document(o.compare[1]);
    if (!b) return ui::fail(b.error(), o.json);
    if (o.html.empty()) return ui::fail(Error("--compare needs --html FILE"), o.json), kExitUsage;
    if (auto s = write_html(o.html, *a, *b); !s) return ui::fail(s.error(), o.json);
    if (!o.json) std::printf("wrote %s\n", o.html.c_str());
    return kExitOk;
  }
  if (o.url.empty())
    return ui::fail(Error("give a URL to load (in-project benchmarks are not there yet)"), o.json), kExitUsage;

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
    auto b = read_document(o.baseline);
    if (!b) return ui::fail(b.error(), o.json);
    baseline = std::move(b).value();
  }

  // A live line on a terminal; SIGINT ends the run early with what was measured.
  const bool tty = ::isatty(STDERR_FILENO);
  if (tty && !o.json)
    load.on_progress = [](const bench::Progress& p) {
      std::fprintf(stderr, "\r\033[K  %5.1f s  %s requests  %s/s  %s errors", p.elapsed_s,
                   thousands(static_cast<double>(p.requests)).c_str(), thousands(p.requests_per_s).c_str(),
                   thousands(static_cast<double>(p.errors)).c_str());
      std::fflush(stderr);
    };
  load.stop = &g_stop;
  ::signal(SIGINT, [](int) { g_stop = true; });
  auto result = bench::run_http_load(load);
  ::signal(SIGINT, SIG_DFL);
  if (tty && !o.json) std::fprintf(stderr, "\r\033[K");
  if (!result) return ui::fail(result.error(), o.json);
  std::vector<bench::RunResult> runs{std::move(result).value()};

  int exit_code = kExitOk;
  nlohmann::ordered_json doc = bench::to_json(runs);
  if (baseline) {
    auto gate = bench::check_baseline(runs, *baseline, *max_regression);
    if (!gate) return ui::fail(gate.error(), o.json);
    nlohmann::ordered_json g = {{"baseline", o.baseline}, {"max_regression", *max_regression}, {"passed", gate->passed()}};
    g["regressions"] = nlohmann::ordered_json::array();
    for (const auto& r : gate->regressions)
      g["regressions"].push_back({{"label", r.label}, {"figure", r.figure}, {"baseline", r.baseline},
                                  {"current", r.current}, {"change", r.change}});
    g["notes"] = gate->notes;
    doc["gate"] = g;
    if (!gate->passed()) exit_code = kExitError;
    if (!o.json) {
      print_summary(runs.front());
      for (const auto& n : gate->notes) std::printf("note: %s\n", n.c_str());
      for (const auto& r : gate->regressions)
        std::printf("%s %s: %s: %.4g → %.4g (%+.1f%%, over the %.0f%% allowed)\n",
                    ui::paint("regression", ui::Tone::Red, stdout).c_str(), r.label.c_str(), r.figure.c_str(),
                    r.baseline, r.current, r.change * 100, *max_regression * 100);
      if (gate->passed()) std::printf("baseline %s: no regression over %.0f%%\n", o.baseline.c_str(), *max_regression * 100);
    }
  } else if (!o.json) {
    print_summary(runs.front());
  }
  if (!o.html.empty()) {
    if (auto s = write_html(o.html, runs, {}); !s) return ui::fail(s.error(), o.json);
    if (!o.json) std::printf("wrote %s\n", o.html.c_str());
  }
  if (o.json) std::printf("%s\n", doc.dump(2).c_str());
  if (runs.front().requests == 0) {  // nothing answered: the run measured nothing
    if (!o.json)
      ui::print_error(Error("no response from " + o.url + " (" + std::to_string(runs.front().errors.total()) +
                            " errors; see above)"));
    return kExitError;
  }
  return exit_code;
}

}  // namespace

void add_bench(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("bench", "Load an HTTP endpoint and report throughput and latency");
  cmd->add_option("url", o->url, "The URL to load (http://HOST[:PORT]/PATH)");
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
  cmd->footer(
      "Keep-alive HTTP/1.1 on a few threads. Closed loop by default; --rate sends at a constant\n"
      "rate and measures latency from each request's due time (coordinated omission corrected).\n"
      "Latency percentiles come from a log-linear histogram accurate to within +0.8%.\n\n"
      "Examples:\n"
      "  edgectl bench http://127.0.0.1:3000/hello -c 64 -d 10s\n"
      "  edgectl bench http://127.0.0.1:3000/api -n 10000 -m POST --body order.json -H 'Content-Type: application/json'\n"
      "  edgectl bench http://127.0.0.1:3000/hello --rate 2000 -d 30s --json > run.json\n"
      "  edgectl bench http://127.0.0.1:3000/hello --baseline main.json --max-regression 10%\n"
      "  edgectl bench --compare main.json branch.json --html report.html");
  cmd->callback([o, &exit_code] { exit_code = run_bench(*o); });
}

}  // namespace edgectl::cli
