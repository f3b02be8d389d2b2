#include <doctest/doctest.h>

#include <vector>

#include "bench/cold_start.hpp"

using namespace edgectl::bench;

TEST_CASE("cold start: quantiles take the nearest rank") {
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);  // unsorted on purpose
  const Quantiles q = quantiles(samples);
  CHECK(q.p50 == 50);
  CHECK(q.p99 == 99);
  CHECK(quantiles({7}).p50 == 7);
  CHECK(quantiles({7}).p99 == 7);
  CHECK(quantiles({}).p50 == 0);
}

TEST_CASE("cold start: the JSON form has every documented key, null when unmeasured") {
  ColdStartProfile p;
  p.component = "hello";
  p.engine = "aot";
  p.route = "/hello";
  p.compile_hit_ms = 1.5;
  p.instances = 200;
  p.instantiate_us = {12, 40};
  p.start_us = {30, 90};
  p.memory_bytes = 131072;
  p.notes.push_back("no C toolchain: no cache-miss compile time");
  const auto j = to_json(p);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"component", "engine", "route", "compile_miss_ms",
                                         "compile_hit_ms", "instances", "instantiate_us",
                                         "start_us", "memory_bytes", "first_byte_ms", "notes"});
  CHECK(j["compile_miss_ms"].is_null());
  CHECK(j["first_byte_ms"].is_null());
  CHECK(j["compile_hit_ms"] == 1.5);
  CHECK(j["instantiate_us"]["p99"] == 40);
  CHECK(j["notes"].size() == 1);
}

TEST_CASE("cold start: a server that cannot start is an error, not a hang") {
  FirstByteOptions o;
  o.serve_argv = {"/bin/false"};
  o.runs = 1;
  auto r = measure_first_byte(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("exited") != std::string::npos);
}
