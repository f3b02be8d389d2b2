#pragma once
// The cold-start profile of one component on one engine (`edgectl bench` inside a project,
// docs/bench.md "Inside a project"): what a request pays before the guest's code does any
// work. Compile time on a cache miss and a hit, instantiate and _start times over many
// fresh instances, the guest's memory per instance, and the first byte after `edgectl
// serve` starts. Each figure is measured by its own function; the profile and its JSON form
// are plain values.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/executor.hpp"
#include "util/error.hpp"

namespace edgectl::bench {

struct Quantiles {
  double p50 = 0, p99 = 0;
};
// The median and 99th percentile of `samples` (nearest rank); zeros when empty.
Quantiles quantiles(std::vector<double> samples);

struct ColdStartProfile {
  std::string component;
  std::string engine;  // as asked for: "aot", "interp", "auto"
  std::string route;   // the request path the instances and the first byte were measured on
  // aot: wasm2c and the C compiler into an empty cache; interp: a load (it has no cache).
  std::optional<double> compile_miss_ms;
  // A fresh engine loading the module with the cache warm (aot: lookup and dlopen).
  std::optional<double> compile_hit_ms;
  uint32_t instances = 0;  // how many the times below are over
  Quantiles instantiate_us, start_us;
  uint64_t memory_bytes = 0;  // the guest's linear memory after _start (the largest seen)
  // From spawning `edgectl serve` to the first response on `route` (median of the runs).
  std::optional<double> first_byte_ms;
  std::vector<std::string> notes;  // why a figure is missing
};

// One object per profile, keys in a stable order (docs/bench.md).
nlohmann::ordered_json to_json(const ColdStartProfile& profile);

struct CompileTimes {
  std::optional<double> miss_ms;
  double hit_ms = 0;
};
// Compile times of `module` on `engine`. The miss compiles into a temporary cache (removed
// afterwards), never the user's; the hit loads through a fresh engine from the user's cache,
// which the caller has filled. Error: the module cannot be read or does not load.
Result<CompileTimes> measure_compile(const std::filesystem::path& module, std::string_view engine);

struct InstanceTimes {
  uint32_t count = 0;
  Quantiles instantiate_us, start_us;
  uint64_t memory_bytes = 0;
};
// Makes `count` fresh instances of the component, each with the CGI environment of `request`
// (as the server would), and runs its _start. Error: an instance fails to make or to run.
Result<InstanceTimes> measure_instances(const http::Component& component,
                                        const http::Request& request, const http::RouteMatch& match,
                                        uint32_t count);

struct FirstByteOptions {
  // `edgectl serve ...` without --listen (added with a free port on 127.0.0.1).
  std::vector<std::string> serve_argv;
  std::string path = "/";  // the request path to ask for
  uint32_t runs = 3;
  std::chrono::milliseconds timeout{10'000};  // per run: no response by then is an error
};
// Milliseconds from spawning the server to the first byte of its first response on `path`,
// the median of `runs` fresh processes (each stopped with SIGTERM). Error: the server exits
// or does not answer in time.
Result<double> measure_first_byte(const FirstByteOptions& options);

}  // namespace edgectl::bench
