// The HTML report: summary figures as html/format.hpp documents them, escaping, compare mode,
// empty data, and a page that references nothing outside itself.
#include "bench/html.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bench/html/format.hpp"

namespace edgectl::bench {
namespace {

constexpr uint64_t kMs = 1'000'000;  // ns

// 1,000 requests in 40 ms: 25,000 requests/s; latencies 1 ms (980), 5 ms (15), 20 ms (5).
RunResult sample_run(std::string label) {
  RunResult r;
  r.label = std::move(label);
  r.config.url = "http://127.0.0.1:8080/hello";
  r.config.connections = 64;
  r.config.threads = 2;
  r.elapsed_s = 0.04;
  r.requests = 1000;
  r.bytes = 70'000;
  r.status = {{200, 997}, {503, 3}};
  r.errors.timeout = 3;
  r.latency.record(1 * kMs, 980);
  r.latency.record(5 * kMs, 15);
  r.latency.record(20 * kMs, 5);
  r.timeline = {{0.02, 480, 0, 2 * kMs}, {0.04, 520, 3, 5 * kMs}};
  r.cpu_s = 0.01;
  return r;
}

// The text of the element with this id, up to the next tag.
std::string cell(const std::string& page, const std::string& id) {
  auto at = page.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "(no element " + id + ")";
  auto open = page.find('>', at) + 1;
  return page.substr(open, page.find('<', open) - open);
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The page with every occurrence of `text` removed.
std::string without(std::string page, const std::string& text) {
  for (auto at = page.find(text); at != std::string::npos; at = page.find(text, at))
    page.erase(at, text.size());
  return page;
}

TEST_CASE("bench html: numbers are written as documented") {
  CHECK(html::format_count(250000) == "250,000");
  CHECK(html::format_count(999) == "999");
  CHECK(html::format_rate(25000) == "25,000.0");
  CHECK(html::format_rate(1234567.891) == "1,234,567.9");
  CHECK(html::format_ms(3 * kMs) == "3.00");
  CHECK(html::format_ms(45'600'000) == "45.6");
  CHECK(html::format_ms(123'400) == "0.123");
  CHECK(html::format_ms(12'300) == "0.0123");
  CHECK(html::format_ms(1'234 * kMs) == "1,234");
  CHECK(html::format_ms(0) == "0.0000");
  CHECK(html::format_change(100, 85) == "-15.0%");
  CHECK(html::format_change(2, 2.5) == "+25.0%");
  CHECK(html::format_change(0, 5).empty());
  CHECK(html::format_grouped(-0.01, 1) == "0.0");
}

TEST_CASE("bench html: the summary shows a run's figures") {
  RunResult run = sample_run("GET http://127.0.0.1:8080/hello");
  std::string page = render_html({run});
  CHECK(cell(page, "requests-0") == "1,000");
  CHECK(cell(page, "rps-0") == "25,000.0");
  CHECK(cell(page, "bytes-per-s-0") == "1.67 MiB/s");
  CHECK(cell(page, "errors-timeout-0") == "3");
  CHECK(cell(page, "errors-total-0") == "3");
  CHECK(cell(page, "status-200-0") == "997");
  CHECK(cell(page, "status-503-0") == "3");
  CHECK(cell(page, "min-0") == "1.00");
  CHECK(cell(page, "p50-0") == "1.00");
  // 5 ms lands in the bucket [4.98, 5.01] ms, reported as its highest value.
  CHECK(cell(page, "p99-0") == "5.01");
  CHECK(cell(page, "p99-0") == html::format_ms(static_cast<double>(run.latency.percentile(99))));
  CHECK(cell(page, "p99_9-0") ==
        html::format_ms(static_cast<double>(run.latency.percentile(99.9))));
  CHECK(cell(page, "max-0") == "20.0");
  CHECK(cell(page, "mean-0") == html::format_ms(run.latency.mean()));
  CHECK(cell(page, "cpu-per-request-0") == "10.0");
  CHECK(cell(page, "load-0") == "64 connections, 2 threads, closed loop");
  // One run alone: no B column, no legend.
  CHECK(page.find("id=\"rps-0-b\"") == std::string::npos);
  CHECK(page.find("id=\"legend-0\"") == std::string::npos);
}

TEST_CASE("bench html: the charts have titles, axes and data") {
  std::string page = render_html({sample_run("run")});
  for (std::string id : {"percentiles-0", "histogram-0", "throughput-0"}) {
    CAPTURE(id);
    CHECK(page.find("<svg id=\"" + id + "\"") != std::string::npos);
    CHECK(page.find("<title id=\"" + id + "-title\">") != std::string::npos);
  }
  CHECK(page.find(">99.999</text>") != std::string::npos);  // the percentile axis
  CHECK(page.find(">percentile (%)</text>") != std::string::npos);
  CHECK(page.find(">latency (ms, log scale)</text>") != std::string::npos);
  CHECK(page.find(">30,000</text>") != std::string::npos);    // 520 requests in 0.02 s, rounded up
  CHECK(page.find(">errors/s</text>") != std::string::npos);  // the second interval had errors
  CHECK(occurrences(page, "<polyline") == 3);                 // the curve, requests/s and errors/s
  CHECK(occurrences(page, "no data") == 0);
}

TEST_CASE("bench html: strings from the data are escaped") {
  RunResult run = sample_run("<script>alert(1)</script>");
  run.config.url = "http://127.0.0.1:8080/a?x=1&y=\"2\"";
  std::string page = render_html({run}, {}, "bench <b>");
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("x=1&amp;y=&quot;2&quot;") != std::string::npos);
  CHECK(page.find("<title>bench &lt;b&gt;</title>") != std::string::npos);
  CHECK(page.find("<b>") == std::string::npos);
}

TEST_CASE("bench html: compare mode draws both runs with a legend") {
  RunResult a = sample_run("old build");
  RunResult b = sample_run("new build");
  b.requests = 850;  // 21,250 requests/s: 15% fewer
  b.latency.clear();
  b.latency.record(2 * kMs, 1000);
  std::string page = render_html({a}, {b});
  CHECK(page.find("id=\"legend-0\"") != std::string::npos);
  CHECK(page.find("old build") != std::string::npos);
  CHECK(page.find("new build") != std::string::npos);
  CHECK(cell(page, "rps-0") == "25,000.0");
  CHECK(cell(page, "rps-0-b") == "21,250.0");
  CHECK(cell(page, "rps-0-change") == "-15.0%");
  CHECK(page.find("class=\"worse\">-15.0%") != std::string::npos);
  CHECK(cell(page, "p50-0-b") == "2.00");
  CHECK(page.find(">A latency</text>") != std::string::npos);  // the charts' own legends
  CHECK(page.find(">B latency</text>") != std::string::npos);
  CHECK(page.find("#1f6fb4") != std::string::npos);
  CHECK(page.find("#e07020") != std::string::npos);
}

TEST_CASE("bench html: compare mode pairs runs by label") {
  RunResult x = sample_run("x"), y = sample_run("y");
  RunResult y2 = sample_run("y"), z = sample_run("z");
  y2.requests = 500;  // 12,500 requests/s
  std::string page = render_html({x, y}, {y2, z});
  // Sections: x (no counterpart), y with y2, then z alone.
  CHECK(cell(page, "rps-0-b") == "—");
  CHECK(cell(page, "rps-1") == "25,000.0");
  CHECK(cell(page, "rps-1-b") == "12,500.0");
  CHECK(cell(page, "rps-2") == "—");
  CHECK(cell(page, "rps-2-b") == "25,000.0");
  CHECK(page.find("(no counterpart)") != std::string::npos);
}

TEST_CASE("bench html: a run without latencies or timeline says no data") {
  RunResult empty;
  empty.label = "empty";
  std::string page = render_html({empty});
  CHECK(occurrences(page, ">no data</text>") == 3);
  CHECK(cell(page, "p99-0") == "—");
  CHECK(cell(page, "cpu-per-request-0") == "—");
  CHECK(cell(page, "rps-0") == "0.0");
  CHECK(render_html({}).find("no data") != std::string::npos);
  // One side empty in compare mode: the other is still drawn.
  std::string compare = render_html({empty}, {sample_run("full")});
  CHECK(occurrences(compare, ">no data</text>") == 0);
}

TEST_CASE("bench html: the page references nothing outside itself") {
  RunResult a = sample_run("GET http://127.0.0.1:8080/hello");
  RunResult b = sample_run("GET https://127.0.0.1:8443/hello");
  b.config.url = "https://127.0.0.1:8443/hello";
  std::string page = render_html({a}, {b});
  for (const auto* r : {&a, &b}) page = without(without(page, r->label), r->config.url);
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("href=") == std::string::npos);
  CHECK(page.find("url(") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
}

}  // namespace
}  // namespace edgectl::bench
