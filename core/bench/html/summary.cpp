#include "bench/html/summary.hpp"

#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "bench/html/format.hpp"
#include "util/units.hpp"

namespace edgectl::bench::html {
namespace {

constexpr double kUsPerS = 1e6;
constexpr int kSecondsDecimals = 1;
constexpr int kCpuDecimals = 1;
constexpr int kSingleColumns = 2;      // figure, value
constexpr int kCompareColumns = 4;     // figure, A, B, change
constexpr const char* kMissing = "—";  // a run with no counterpart, or no latency recorded

// Whether a higher value is an improvement: colours the change column.
enum class Better { Higher, Lower, Neither };

struct Cell {
  std::string text;
  std::optional<double> value;  // what the change column compares
};

struct Figure {
  std::string key;   // the cell id's <figure>
  std::string name;  // the row heading
  Better better;
  std::function<Cell(const RunResult&)> cell;
  bool is_text = false;  // words, not a figure: aligned left
};

struct Group {
  std::string heading;
  std::vector<Figure> figures;
};

Cell count_cell(uint64_t n) {
  return {format_count(n), static_cast<double>(n)};
}

// A latency figure from the histogram (ns), or kMissing when nothing was recorded.
Figure latency(std::string key, std::string name, std::function<double(const Histogram&)> get) {
  return {std::move(key), std::move(name), Better::Lower, [get](const RunResult& r) -> Cell {
            if (r.latency.count() == 0) return {kMissing, std::nullopt};
            double ns = get(r.latency);
            return {format_ms(ns), ns};
          }};
}

Figure percentile(std::string key, std::string name, double p) {
  return latency(std::move(key), std::move(name),
                 [p](const Histogram& h) { return static_cast<double>(h.percentile(p)); });
}

std::string load_text(const RunResult& r) {
  std::string text = format_count(r.config.connections) + " connections, " +
                     format_count(r.config.threads) + " threads, ";
  if (!r.config.rate) return text + "closed loop";
  return text + "open loop at " + format_rate(*r.config.rate) + " requests/s" +
         (r.corrected ? " (latency from the intended send time)" : "");
}

std::vector<Group> groups(const RunResult* a, const RunResult* b) {
  std::set<int> codes;
  for (const RunResult* r : {a, b})
    if (r)
      for (const auto& [code, n] : r->status) codes.insert(code);
  std::vector<Figure> status;
  for (int code : codes) {
    status.push_back({"status-" + std::to_string(code), std::to_string(code), Better::Neither,
                      [code](const RunResult& r) {
                        auto it = r.status.find(code);
                        return count_cell(it == r.status.end() ? 0 : it->second);
                      }});
  }
  auto text = [](std::function<std::string(const RunResult&)> f) {
    return [f](const RunResult& r) { return Cell{f(r), std::nullopt}; };
  };
  return {
      {"Run",
       {{"url", "target", Better::Neither,
         text([](const RunResult& r) { return r.config.method + " " + r.config.url; }), true},
        {"load", "load", Better::Neither, text(load_text), true},
        {"elapsed", "measured (s)", Better::Neither,
         [](const RunResult& r) {
           return Cell{format_grouped(r.elapsed_s, kSecondsDecimals), r.elapsed_s};
         }}}},
      {"Throughput",
       {{"requests", "requests", Better::Higher,
         [](const RunResult& r) { return count_cell(r.requests); }},
        {"rps", "requests/s", Better::Higher,
         [](const RunResult& r) {
           return Cell{format_rate(r.requests_per_s()), r.requests_per_s()};
         }},
        {"bytes", "bytes", Better::Neither,
         [](const RunResult& r) {
           return Cell{human_bytes(r.bytes), static_cast<double>(r.bytes)};
         }},
        {"bytes-per-s", "bytes/s", Better::Neither,
         [](const RunResult& r) {
           return Cell{human_bytes(static_cast<uint64_t>(r.bytes_per_s())) + "/s", r.bytes_per_s()};
         }}}},
      {"Errors",
       {{"errors-connect", "connect", Better::Lower,
         [](const RunResult& r) { return count_cell(r.errors.connect); }},
        {"errors-timeout", "timeout", Better::Lower,
         [](const RunResult& r) { return count_cell(r.errors.timeout); }},
        {"errors-reset", "reset", Better::Lower,
         [](const RunResult& r) { return count_cell(r.errors.reset); }},
        {"errors-protocol", "protocol", Better::Lower,
         [](const RunResult& r) { return count_cell(r.errors.protocol); }},
        {"errors-total", "total", Better::Lower,
         [](const RunResult& r) { return count_cell(r.errors.total()); }}}},
      {"Status codes", std::move(status)},
      {"Latency (ms)",
       {latency("min", "min", [](const Histogram& h) { return static_cast<double>(h.min()); }),
        latency("mean", "mean", [](const Histogram& h) { return h.mean(); }),
        latency("stdev", "stdev", [](const Histogram& h) { return h.stdev(); }),
        percentile("p50", "p50", 50), percentile("p90", "p90", 90), percentile("p99", "p99", 99),
        percentile("p99_9", "p99.9", 99.9), percentile("p99_99", "p99.99", 99.99),
        latency("max", "max", [](const Histogram& h) { return static_cast<double>(h.max()); })}},
      {"Load generator",
       {{"cpu-per-request", "CPU per request (µs)", Better::Lower,
         [](const RunResult& r) {
           if (r.requests == 0) return Cell{kMissing, std::nullopt};
           double us = r.cpu_s * kUsPerS / static_cast<double>(r.requests);
           return Cell{format_grouped(us, kCpuDecimals), us};
         }}}},
  };
}

std::string td(const std::string& id, const std::string& text, const std::string& cls = "") {
  return "<td id=\"" + escape(id) + "\"" + (cls.empty() ? "" : " class=\"" + cls + "\"") + ">" +
         escape(text) + "</td>";
}

std::string change_class(Better better, double a, double b) {
  if (better == Better::Neither || a == b) return "";
  return (b > a) == (better == Better::Higher) ? "better" : "worse";
}

}  // namespace

std::string summary_table(const RunResult* a, const RunResult* b, bool compare, size_t index,
                          const std::string& color_a, const std::string& color_b) {
  const std::string n = std::to_string(index);
  std::string out = "<table class=\"summary\" id=\"summary-" + n + "\"><thead><tr><th>figure</th>";
  if (compare) {
    out += "<th><span class=\"swatch\" style=\"background:" + escape(color_a) + "\"></span>A</th>";
    out += "<th><span class=\"swatch\" style=\"background:" + escape(color_b) + "\"></span>B</th>";
    out += "<th>change</th>";
  } else {
    out += "<th>value</th>";
  }
  out += "</tr></thead>";
  for (const auto& group : groups(a, b)) {
    if (group.figures.empty()) continue;
    out += "<tbody><tr class=\"group\"><th colspan=\"" +
           std::to_string(compare ? kCompareColumns : kSingleColumns) + "\">" +
           escape(group.heading) + "</th></tr>";
    for (const auto& f : group.figures) {
      out += "<tr><th scope=\"row\">" + escape(f.name) + "</th>";
      std::optional<Cell> ca, cb;
      if (a) ca = f.cell(*a);
      if (b) cb = f.cell(*b);
      const std::string id = f.key + "-" + n;
      const std::string cls = f.is_text ? "text" : "";
      out += td(id, ca ? ca->text : kMissing, cls);
      if (compare) {
        out += td(id + "-b", cb ? cb->text : kMissing, cls);
        std::string change, change_cls;
        if (ca && cb && ca->value && cb->value) {
          change = format_change(*ca->value, *cb->value);
          change_cls = change_class(f.better, *ca->value, *cb->value);
        }
        out += td(id + "-change", change, change_cls);
      }
      out += "</tr>";
    }
    out += "</tbody>";
  }
  return out + "</table>";
}

}  // namespace edgectl::bench::html
