// Output shared by the modes of edgectl bench (see bench_output.hpp).
#include "bench_output.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/html.hpp"
#include "ui/diagnostic.hpp"
#include "ui/style.hpp"
#include "util/units.hpp"

namespace edgectl::cli {

std::string format_ms(uint64_t ns) {
  char buf[32];
  const double v = static_cast<double>(ns) / 1e6;
  std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
  return buf;
}

std::string format_thousands(double v, int decimals) {
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
  std::string how = r.config.rate ? "open loop at " + format_thousands(*r.config.rate) + " req/s, latency from the intended send time"
                                  : "closed loop";
  std::printf("%s\n", ui::paint(r.label, ui::Tone::Bold, stdout).c_str());
  std::printf("  %u connections, %u threads, %.1f s measured (%s)\n", r.config.connections, r.config.threads,
              r.elapsed_s, how.c_str());
  std::printf("  requests   %s   %s/s   %s/s\n", format_thousands(static_cast<double>(r.requests)).c_str(),
              format_thousands(r.requests_per_s(), 1).c_str(), human_bytes(static_cast<uint64_t>(r.bytes_per_s())).c_str());
  if (h.count()) {
    std::printf("  latency    min %s  mean %s  stdev %s  max %s ms\n", format_ms(h.min()).c_str(),
                format_ms(static_cast<uint64_t>(h.mean())).c_str(), format_ms(static_cast<uint64_t>(h.stdev())).c_str(),
                format_ms(h.max()).c_str());
    std::printf("             p50 %s  p90 %s  p99 %s  p99.9 %s  p99.99 %s ms  (within +%.1f%%)\n",
                format_ms(h.percentile(50)).c_str(), format_ms(h.percentile(90)).c_str(), format_ms(h.percentile(99)).c_str(),
                format_ms(h.percentile(99.9)).c_str(), format_ms(h.percentile(99.99)).c_str(),
                bench::Histogram::kRelativePrecision * 100);
  }
  std::string status;
  for (const auto& [code, n] : r.status) status += (status.empty() ? "" : ", ") + std::to_string(code) + ": " + format_thousands(static_cast<double>(n));
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

Result<std::vector<bench::RunResult>> read_bench_document(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error("cannot read " + path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(path + ": not JSON");
  auto runs = bench::from_json(j);
  if (!runs) return std::move(runs).error().context(path + ": ");
  return runs;
}

Status write_bench_html(const std::string& path, const std::vector<bench::RunResult>& runs,
                        const std::vector<bench::RunResult>& compare) {
  std::ofstream out(path);
  if (!out) return Error("cannot write " + path);
  out << bench::render_html(runs, compare);
  if (!out) return Error("cannot write " + path);
  return {};
}

namespace {

// A gate figure as people read it: requests/s as is, p99 (kept in ns) in ms.
std::string figure_value(const bench::Regression& r, double v) {
  char buf[48];
  if (r.figure == "p99") std::snprintf(buf, sizeof buf, "%s ms", format_ms(static_cast<uint64_t>(v)).c_str());
  else std::snprintf(buf, sizeof buf, "%s/s", format_thousands(v, 1).c_str());
  return buf;
}

}  // namespace

int finish_bench(const std::vector<bench::RunResult>& runs, const BenchCommon& common,
                 const std::string& baseline_path, const nlohmann::ordered_json& extra) {
  int exit_code = kBenchExitOk;
  nlohmann::ordered_json doc = bench::to_json(runs);
  if (extra.is_object())
    for (const auto& [key, value] : extra.items()) doc[key] = value;
  if (!common.json)
    for (const auto& r : runs) print_summary(r);
  if (common.baseline) {
    auto gate = bench::check_baseline(runs, *common.baseline, common.max_regression);
    if (!gate) return ui::fail(gate.error(), common.json);
    nlohmann::ordered_json g = {{"baseline", baseline_path}, {"max_regression", common.max_regression}, {"passed", gate->passed()}};
    g["regressions"] = nlohmann::ordered_json::array();
    for (const auto& r : gate->regressions)
      g["regressions"].push_back({{"label", r.label}, {"figure", r.figure}, {"baseline", r.baseline},
                                  {"current", r.current}, {"change", r.change}});
    g["notes"] = gate->notes;
    doc["gate"] = g;
    if (!gate->passed()) exit_code = kBenchExitError;
    if (!common.json) {
      for (const auto& n : gate->notes) std::printf("note: %s\n", n.c_str());
      for (const auto& r : gate->regressions)
        std::printf("%s %s: %s: %s → %s (%+.1f%%, over the %.0f%% allowed)\n",
                    ui::paint("regression", ui::Tone::Red, stdout).c_str(), r.label.c_str(), r.figure.c_str(),
                    figure_value(r, r.baseline).c_str(), figure_value(r, r.current).c_str(), r.change * 100,
                    common.max_regression * 100);
      if (gate->passed())
        std::printf("baseline %s: no regression over %.0f%%\n", baseline_path.c_str(), common.max_regression * 100);
    }
  }
  if (!common.html.empty()) {
    if (auto s = write_bench_html(common.html, runs, {}); !s) return ui::fail(s.error(), common.json);
    if (!common.json) std::printf("wrote %s\n", common.html.c_str());
  }
  if (common.json) std::printf("%s\n", doc.dump(2).c_str());
  for (const auto& r : runs)
    if (r.requests == 0) {  // nothing answered: the run measured nothing
      if (!common.json)
        ui::print_error(Error("no response from " + r.config.url + " (" + std::to_string(r.errors.total()) +
                              " errors; see above)"));
      return kBenchExitError;
    }
  return exit_code;
}

}  // namespace edgectl::cli
