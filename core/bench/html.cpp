#include "bench/html.hpp"

#include "bench/html/charts.hpp"
#include "bench/html/format.hpp"
#include "bench/html/summary.hpp"

namespace edgectl::bench {
namespace {

using html::escape;

// A blue and orange pair stays distinguishable with the common colour-vision deficiencies.
constexpr const char* kColorA = "#1f6fb4";
constexpr const char* kColorB = "#e07020";

// System fonts only: the page must not fetch anything.
constexpr const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; word-break: break-all; }
.legend { list-style: none; padding: 0; display: flex; gap: 1.5rem; flex-wrap: wrap; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em;
          vertical-align: -0.1em; border-radius: 2px; }
table.summary { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
table.summary th, table.summary td { padding: 0.2rem 0.8rem; text-align: right;
                                     border-bottom: 1px solid #eee; }
table.summary th[scope=row], table.summary tr.group th { text-align: left; }
table.summary tr.group th { background: #f4f4f4; padding-top: 0.5rem; }
table.summary td.text { text-align: left; }
td.better { color: #1a7f37; } td.worse { color: #c0392b; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1.5rem; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 0.3rem; }
svg.chart { width: 100%; height: auto; font-family: inherit; }
p.no-data { color: #666; }
)";

struct Pair {
  const RunResult* a = nullptr;  // from `runs`
  const RunResult* b = nullptr;  // from `compare`
};

// Each run with the compare run of the same label (or the only one of each); compare runs
// left over follow, alone.
std::vector<Pair> pair_runs(const std::vector<RunResult>& runs,
                            const std::vector<RunResult>& compare) {
  std::vector<Pair> pairs;
  if (runs.size() == 1 && compare.size() == 1) return {{&runs[0], &compare[0]}};
  std::vector<bool> used(compare.size(), false);
  for (const auto& run : runs) {
    Pair p{&run, nullptr};
    for (size_t i = 0; i < compare.size() && !p.b; ++i)
      if (!used[i] && compare[i].label == run.label) used[i] = true, p.b = &compare[i];
    pairs.push_back(p);
  }
  for (size_t i = 0; i < compare.size(); ++i)
    if (!used[i]) pairs.push_back({nullptr, &compare[i]});
  return pairs;
}

std::string legend(const Pair& p, size_t index) {
  std::string out = "<ul class=\"legend\" id=\"legend-" + std::to_string(index) + "\">";
  auto item = [&](const RunResult* r, const char* name, const char* color) {
    out += std::string("<li><span class=\"swatch\" style=\"background:") + color + "\"></span><b>" +
           name + "</b> " + (r ? escape(r->label) : "(no counterpart)") + "</li>";
  };
  item(p.a, "A", kColorA);
  item(p.b, "B", kColorB);
  return out + "</ul>";
}

std::string figure(const html::Chart& chart) {
  return "<figure><figcaption>" + escape(chart.title) + "</figcaption>" + html::render_svg(chart) +
         "</figure>";
}

std::string section(const Pair& p, bool compare, size_t index) {
  const std::string n = std::to_string(index);
  const RunResult& first = p.a ? *p.a : *p.b;
  std::string heading = first.label;
  if (p.a && p.b && p.b->label != p.a->label) heading += " vs " + p.b->label;
  std::string out = "<section id=\"run-" + n + "\"><h2>" + escape(heading) + "</h2>";
  if (compare) out += legend(p, index);
  out += html::summary_table(p.a, p.b, compare, index, kColorA, kColorB);

  std::vector<html::PlottedRun> plotted;
  if (p.a) plotted.push_back({p.a, compare ? "A" : "", kColorA});
  if (p.b) plotted.push_back({p.b, "B", kColorB});
  out += "<div class=\"charts\">";
  out += figure(html::percentile_chart(plotted, "percentiles-" + n, "Latency by percentile"));
  out += figure(html::histogram_chart(plotted, "histogram-" + n, "Latency histogram"));
  out += figure(html::throughput_chart(plotted, "throughput-" + n, "Throughput over time"));
  return out + "</div></section>";
}

}  // namespace

std::string render_html(const std::vector<RunResult>& runs, const std::vector<RunResult>& compare,
                        std::string_view title) {
  const bool comparing = !compare.empty();
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>" + escape(title) + "</title><style>" + kStyle + "</style></head><body>";
  out += "<h1>" + escape(title) + "</h1>";
  if (comparing)
    out +=
        "<p class=\"intro\">A (blue) is the first result, B (orange) the one compared with "
        "it; the change column is B relative to A.</p>";
  auto pairs = pair_runs(runs, compare);
  if (pairs.empty()) out += "<p class=\"no-data\">no data: the result holds no runs</p>";
  for (size_t i = 0; i < pairs.size(); ++i) out += section(pairs[i], comparing, i);
  return out + "</body></html>\n";
}

}  // namespace edgectl::bench
