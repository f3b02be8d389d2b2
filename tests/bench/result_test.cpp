#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "bench/result.hpp"

using namespace edgectl;
using namespace edgectl::bench;
using nlohmann::json;

namespace {

constexpr double kElapsedS = 10;
constexpr size_t kLatencySamples = 1'000;

// A run with every field set: `rps` requests/s over 10 s, every latency `latency_ns`
// (so p99 is exactly that).
RunResult make_run(std::string label, uint64_t rps, uint64_t latency_ns) {
  RunResult r;
  r.label = std::move(label);
  r.config.url = "http://127.0.0.1:3000/hello";
  r.config.connections = 64;
  r.config.threads = 2;
  r.config.duration_s = kElapsedS;
  r.config.warmup_s = 1.5;
  r.config.timeout_s = 2;
  r.elapsed_s = kElapsedS;
  r.requests = static_cast<uint64_t>(rps * kElapsedS);
  r.bytes = r.requests * 187;
  r.latency.record(latency_ns, kLatencySamples);
  return r;
}

// make_run plus varied latencies, statuses, errors, a timeline and an open-loop config.
RunResult make_full_run() {
  RunResult r = make_run("GET http://127.0.0.1:3000/hello", 12'345, 1'000);
  r.latency.clear();
  std::mt19937_64 rng(9);
  std::lognormal_distribution<double> latency(std::log(8e5), 1.2);
  for (int i = 0; i < 5'000; ++i) r.latency.record(static_cast<uint64_t>(latency(rng)));
  r.config.method = "POST";
  r.config.rate = 2'500.5;
  r.elapsed_s = 10.000123456789;
  r.corrected = true;
  r.status = {{200, 123'000}, {404, 400}, {503, 50}};
  r.errors = {3, 5, 7, 11};
  r.cpu_s = 4.25;
  for (int s = 1; s <= 3; ++s) {
    r.timeline.push_back({double(s), uint64_t(41'000 + s), uint64_t(s), uint64_t(1'234'567 * s)});
  }
  return r;
}

std::vector<std::string> keys_of(const nlohmann::ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

json as_plain(const nlohmann::ordered_json& j) {
  return json::parse(j.dump());
}

std::string read_error(const json& doc) {
  auto r = from_json(doc);
  REQUIRE_FALSE(r.ok());
  return r.error().message();
}

}  // namespace

TEST_CASE("bench result: every field survives a JSON round trip") {
  RunResult full = make_full_run();
  RunResult closed = make_run("GET http://127.0.0.1:3000/other", 900, 2'000'000);
  closed.config.duration_s.reset();
  closed.config.requests = 9'000;
  auto doc = to_json({full, closed});
  auto back = from_json(as_plain(doc));
  REQUIRE(back.ok());
  REQUIRE(back->size() == 2);

  const RunResult& r = (*back)[0];
  CHECK(r.label == full.label);
  CHECK(r.config.url == full.config.url);
  CHECK(r.config.method == "POST");
  CHECK(r.config.connections == 64);
  CHECK(r.config.threads == 2);
  CHECK(r.config.duration_s == full.config.duration_s);
  CHECK_FALSE(r.config.requests.has_value());
  CHECK(r.config.rate == 2'500.5);
  CHECK(r.config.warmup_s == 1.5);
  CHECK(r.config.timeout_s == 2);
  CHECK(r.elapsed_s == full.elapsed_s);
  CHECK(r.requests == full.requests);
  CHECK(r.bytes == full.bytes);
  CHECK(r.status == full.status);
  CHECK(r.errors.connect == 3);
  CHECK(r.errors.timeout == 5);
  CHECK(r.errors.reset == 7);
  CHECK(r.errors.protocol == 11);
  CHECK(r.corrected);
  CHECK(r.cpu_s == 4.25);
  REQUIRE(r.timeline.size() == full.timeline.size());
  for (size_t i = 0; i < r.timeline.size(); ++i) {
    CHECK(r.timeline[i].t == full.timeline[i].t);
    CHECK(r.timeline[i].requests == full.timeline[i].requests);
    CHECK(r.timeline[i].errors == full.timeline[i].errors);
    CHECK(r.timeline[i].p99_ns == full.timeline[i].p99_ns);
  }
  CHECK(r.latency.buckets() == full.latency.buckets());
  CHECK(r.latency.count() == full.latency.count());
  CHECK(r.latency.max() == full.latency.max());
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99})
    CHECK(r.latency.percentile(p) == full.latency.percentile(p));

  const RunResult& c = (*back)[1];
  CHECK_FALSE(c.config.duration_s.has_value());
  CHECK(c.config.requests == 9'000);
  CHECK_FALSE(c.config.rate.has_value());
  CHECK_FALSE(c.corrected);
  CHECK(c.status.empty());
  CHECK(c.timeline.empty());

  // Written again, the document is the same but for min/mean/stdev, which the buckets carry
  // only to within the histogram's precision.
  auto again = to_json(*back);
  for (size_t i = 0; i < 2; ++i) {
    auto a = doc["runs"][i], b = again["runs"][i];
    for (const char* approximate : {"min", "mean", "stdev"}) {
      a["latency_us"].erase(approximate);
      b["latency_us"].erase(approximate);
    }
    CHECK(a == b);
  }
}

TEST_CASE("bench result: the document has the documented keys in a stable order") {
  auto doc = to_json({make_full_run()});
  CHECK(keys_of(doc) == std::vector<std::string>{"schema", "tool", "runs"});
  CHECK(doc["schema"] == "edgectl-bench/v1");
  CHECK(doc["tool"]["name"] == "edgectl");
  CHECK(doc["tool"]["version"] == EDGECTL_VERSION);
  CHECK(keys_of(doc["tool"]) == std::vector<std::string>{"name", "version"});
  const auto& run = doc["runs"][0];
  CHECK(keys_of(run) ==
        std::vector<std::string>{"label", "config", "elapsed_s", "requests", "requests_per_s",
                                 "bytes", "bytes_per_s", "latency_us", "corrected", "status",
                                 "errors", "cpu_s", "cpu_us_per_request", "histogram", "timeline"});
  CHECK(keys_of(run["config"]) == std::vector<std::string>{"url", "method", "connections",
                                                           "threads", "duration_s", "requests",
                                                           "rate", "warmup_s", "timeout_s"});
  CHECK(keys_of(run["latency_us"]) == std::vector<std::string>{"min", "mean", "stdev", "max", "p50",
                                                               "p90", "p99", "p99.9", "p99.99"});
  CHECK(keys_of(run["status"]) == std::vector<std::string>{"200", "404", "503"});
  CHECK(keys_of(run["errors"]) ==
        std::vector<std::string>{"connect", "timeout", "reset", "protocol", "total"});
  CHECK(run["errors"]["total"] == 26);
  CHECK(keys_of(run["histogram"]) ==
        std::vector<std::string>{"unit", "sub_bucket_bits", "buckets"});
  CHECK(run["histogram"]["unit"] == "ns");
  CHECK(run["histogram"]["sub_bucket_bits"] == 8);
  CHECK(keys_of(run["timeline"][0]) ==
        std::vector<std::string>{"t", "requests", "errors", "p99_us"});
  CHECK(run["config"]["requests"].is_null());
  CHECK(run["timeline"][1]["p99_us"].dump() == "2469.134");  // 2,469,134 ns
  // Latencies are microseconds with 3 decimals (whole nanoseconds).
  for (const auto& item : run["latency_us"].items()) {
    double us = item.value().get<double>();
    CHECK(std::round(us * 1000) / 1000 == us);
  }
}

TEST_CASE("bench result: a wrong or missing schema is rejected by name") {
  auto doc = as_plain(to_json({make_run("a", 100, 1'000)}));
  doc["schema"] = "edgectl-bench/v2";
  auto wrong = read_error(doc);
  CHECK(wrong.find("\"edgectl-bench/v2\"") != std::string::npos);
  CHECK(wrong.find("\"edgectl-bench/v1\"") != std::string::npos);

  doc.erase("schema");
  auto missing = read_error(doc);
  CHECK(missing.find("no \"schema\"") != std::string::npos);
  CHECK(missing.find("edgectl-bench/v1") != std::string::npos);

  CHECK(read_error(json::array()).find("schema") != std::string::npos);
}

TEST_CASE("bench result: a malformed document names the field at fault") {
  auto doc = as_plain(to_json({make_run("a", 100, 1'000), make_run("b", 100, 1'000)}));

  auto no_runs = doc;
  no_runs.erase("runs");
  CHECK(read_error(no_runs) == "invalid bench result: runs is missing");

  auto no_latency = doc;
  no_latency["runs"][1].erase("latency_us");
  CHECK(read_error(no_latency) == "invalid bench result: runs[1].latency_us is missing");

  auto bad_count = doc;
  bad_count["runs"][0]["config"]["connections"] = "many";
  CHECK(
      read_error(bad_count) ==
      "invalid bench result: runs[0].config.connections must be a whole number >= 0, got \"many\"");

  auto negative = doc;
  negative["runs"][0]["requests"] = -3;
  CHECK(read_error(negative).find("runs[0].requests must be a whole number >= 0") !=
        std::string::npos);

  auto bad_status = doc;
  bad_status["runs"][0]["status"]["OK"] = 1;
  CHECK(read_error(bad_status).find("runs[0].status.OK is not an HTTP status code") !=
        std::string::npos);

  auto bad_bucket = doc;
  bad_bucket["runs"][0]["histogram"]["buckets"][0] = json::array({1});
  CHECK(read_error(bad_bucket).find("runs[0].histogram.buckets[0] must be a [value, count] pair") !=
        std::string::npos);

  auto other_precision = doc;
  other_precision["runs"][0]["histogram"]["sub_bucket_bits"] = 11;
  CHECK(read_error(other_precision).find("runs[0].histogram.sub_bucket_bits must be 8") !=
        std::string::npos);

  auto empty = doc;
  empty["runs"] = json::array();
  auto none = from_json(empty);
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("bench result: the baseline gate passes within the allowed regression") {
  auto gate =
      check_baseline({make_run("a", 950, 1'050'000)}, {make_run("a", 1'000, 1'000'000)}, 0.10);
  REQUIRE(gate.ok());
  CHECK(gate->passed());
  CHECK(gate->notes.empty());

  // Exactly at the threshold is not "more than" it.
  auto edge =
      check_baseline({make_run("a", 900, 1'100'000)}, {make_run("a", 1'000, 1'000'000)}, 0.10);
  REQUIRE(edge.ok());
  CHECK(edge->passed());
}

TEST_CASE("bench result: the baseline gate fails on 15% less throughput with 10% allowed") {
  auto gate =
      check_baseline({make_run("a", 850, 1'000'000)}, {make_run("a", 1'000, 1'000'000)}, 0.10);
  REQUIRE(gate.ok());
  CHECK_FALSE(gate->passed());
  REQUIRE(gate->regressions.size() == 1);
  const auto& r = gate->regressions[0];
  CHECK(r.label == "a");
  CHECK(r.figure == "requests/s");
  CHECK(r.baseline == doctest::Approx(1'000));
  CHECK(r.current == doctest::Approx(850));
  CHECK(r.change == doctest::Approx(-0.15));
}

TEST_CASE("bench result: the baseline gate fails on p99 20% higher") {
  auto gate =
      check_baseline({make_run("a", 1'000, 1'200'000)}, {make_run("a", 1'000, 1'000'000)}, 0.10);
  REQUIRE(gate.ok());
  REQUIRE(gate->regressions.size() == 1);
  const auto& r = gate->regressions[0];
  CHECK(r.figure == "p99");
  CHECK(r.baseline == 1'000'000);
  CHECK(r.current == 1'200'000);
  CHECK(r.change == doctest::Approx(0.2));
}

TEST_CASE("bench result: the baseline gate matches runs by label") {
  std::vector<RunResult> baseline = {make_run("api", 1'000, 1'000'000),
                                     make_run("static", 2'000, 500'000)};
  // Listed in the other order, and only "api" got slower.
  std::vector<RunResult> current = {make_run("static", 2'000, 500'000),
                                    make_run("api", 800, 1'000'000)};
  auto gate = check_baseline(current, baseline, 0.10);
  REQUIRE(gate.ok());
  REQUIRE(gate->regressions.size() == 1);
  CHECK(gate->regressions[0].label == "api");
  CHECK(gate->regressions[0].figure == "requests/s");
  CHECK(gate->notes.empty());
}

TEST_CASE("bench result: the baseline gate notes runs with no counterpart") {
  std::vector<RunResult> baseline = {make_run("api", 1'000, 1'000'000),
                                     make_run("gone", 1'000, 1'000'000)};
  std::vector<RunResult> current = {make_run("api", 1'000, 1'000'000),
                                    make_run("new", 10, 9'000'000)};
  auto gate = check_baseline(current, baseline, 0.10);
  REQUIRE(gate.ok());
  CHECK(gate->passed());
  REQUIRE(gate->notes.size() == 2);
  CHECK(gate->notes[0] == "run 'new' has no counterpart in the baseline");
  CHECK(gate->notes[1] == "baseline run 'gone' was not run this time");

  // One run on each side is compared whatever the labels, with a note saying so.
  auto single = check_baseline({make_run("GET http://host-b/", 500, 1'000'000)},
                               {make_run("GET http://host-a/", 1'000, 1'000'000)}, 0.10);
  REQUIRE(single.ok());
  CHECK(single->regressions.size() == 1);
  REQUIRE(single->notes.size() == 1);
  CHECK(single->notes[0].find("GET http://host-a/") != std::string::npos);
}

TEST_CASE("bench result: the baseline gate is an error when no run matches") {
  auto gate = check_baseline({make_run("x", 1'000, 1'000), make_run("y", 1'000, 1'000)},
                             {make_run("a", 1'000, 1'000), make_run("b", 1'000, 1'000)}, 0.10);
  REQUIRE_FALSE(gate.ok());
  CHECK(gate.error().message().find("no run matches the baseline") != std::string::npos);
  CHECK(gate.error().primary().notes.size() == 4);

  CHECK_FALSE(check_baseline({}, {make_run("a", 1'000, 1'000)}, 0.10).ok());
  auto negative =
      check_baseline({make_run("a", 1'000, 1'000)}, {make_run("a", 1'000, 1'000)}, -0.1);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().message().find("fraction >= 0") != std::string::npos);
}
