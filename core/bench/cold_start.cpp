// Cold-start measurements for `edgectl bench` inside a project (see cold_start.hpp).
#include "bench/cold_start.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "runtime/aot/aot.hpp"
#include "runtime/runtime.hpp"
#include "wasm/wasm.hpp"

extern char** environ;

namespace edgectl::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kNsPerUs = 1e3;
constexpr double kNsPerMs = 1e6;
constexpr double kMedian = 0.5;
constexpr double kTail = 0.99;
// How often to try the spawned server while it starts: fine enough for a ~ms figure.
constexpr std::chrono::microseconds kPollInterval{500};
// A stopped server gets this long to exit on SIGTERM before SIGKILL.
constexpr std::chrono::milliseconds kStopGrace{2000};
// Enough of a response to hold its status line.
constexpr size_t kStatusLineBytes = 64;

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::nano>(d).count() / kNsPerMs;
}

// A fresh empty folder under the system's temp folder, removed with the object.
struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};
Result<fs::path> make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "edgectl-bench-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    return Error(std::string("cannot create a temporary folder: ") + std::strerror(errno));
  return fs::path(pattern);
}

// A port the kernel considers free now (bound to 0 and released): the server binds it next.
Result<uint16_t> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) return Error(std::string("cannot find a free port: ") + std::strerror(errno));
  return ntohs(addr.sin_port);
}

// One GET on 127.0.0.1:port; true once any response's status line arrived.
bool first_response(uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool answered = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buffer[kStatusLineBytes];
      answered = ::recv(fd, buffer, sizeof buffer, 0) > 0;
    }
  }
  ::close(fd);
  return answered;
}

void stop_child(pid_t pid) {
  ::kill(pid, SIGTERM);
  const auto deadline = Clock::now() + kStopGrace;
  while (::waitpid(pid, nullptr, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

// One run: spawn, poll until the first response, stop. Milliseconds to the first byte.
Result<double> first_byte_once(const FirstByteOptions& o) {
  auto port = free_port();
  if (!port) return std::move(port).error();
  std::vector<std::string> args = o.serve_argv;
  args.push_back("--listen");
  args.push_back("127.0.0.1:" + std::to_string(*port));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The server's banner and log would interleave with the bench's output.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const auto started = Clock::now();
  const int err = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err) return Error("cannot start " + args[0] + ": " + std::strerror(err));
  const auto deadline = started + o.timeout;
  while (Clock::now() < deadline) {
    if (first_response(*port, o.path)) {
      const double elapsed = ms(Clock::now() - started);
      stop_child(pid);
      return elapsed;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return Error("`edgectl serve` exited (" +
                   (WIFEXITED(status) ? "code " + std::to_string(WEXITSTATUS(status))
                                      : std::string("signaled")) +
                   ") before answering: run it by hand to see why");
    std::this_thread::sleep_for(kPollInterval);
  }
  stop_child(pid);
  return Error("`edgectl serve` did not answer " + o.path + " within " +
               std::to_string(o.timeout.count()) + " ms");
}

// A load of `bytes` through a fresh engine named `engine`, in milliseconds.
Result<double> time_load(std::span<const uint8_t> bytes, std::string_view engine,
                         const fs::path& module) {
  auto e = runtime::make_engine(engine);
  if (!e) return std::move(e).error();
  runtime::LoadOptions options;
  options.name = module.filename().string();
  const auto started = Clock::now();
  auto loaded = (*e)->load(bytes, options);
  const double elapsed = ms(Clock::now() - started);
  if (!loaded) return std::move(loaded).error();
  return elapsed;
}

}  // namespace

Quantiles quantiles(std::vector<double> samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double q) {
    const size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(samples.size())));
    return samples[std::min(samples.size(), std::max<size_t>(i, 1)) - 1];
  };
  return {rank(kMedian), rank(kTail)};
}

nlohmann::ordered_json to_json(const ColdStartProfile& p) {
  auto optional = [](const std::optional<double>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
  };
  nlohmann::ordered_json j;
  j["component"] = p.component;
  j["engine"] = p.engine;
  j["route"] = p.route;
  j["compile_miss_ms"] = optional(p.compile_miss_ms);
  j["compile_hit_ms"] = optional(p.compile_hit_ms);
  j["instances"] = p.instances;
  j["instantiate_us"] = {{"p50", p.instantiate_us.p50}, {"p99", p.instantiate_us.p99}};
  j["start_us"] = {{"p50", p.start_us.p50}, {"p99", p.start_us.p99}};
  j["memory_bytes"] = p.memory_bytes;
  j["first_byte_ms"] = optional(p.first_byte_ms);
  j["notes"] = p.notes;
  return j;
}

Result<CompileTimes> measure_compile(const fs::path& module, std::string_view engine) {
  auto bytes = wasm::read_module(module);
  if (!bytes) return std::move(bytes).error();
  CompileTimes out;
  if (engine == "interp") {
    auto miss = time_load(*bytes, engine, module);  // no cache: every load is a miss
    if (!miss) return std::move(miss).error();
    out.miss_ms = *miss;
  } else if (auto toolchain = runtime::aot::detect_toolchain()) {
    auto dir = make_temp_dir();
    if (!dir) return std::move(dir).error();
    const TempDir cleanup{*dir};
    runtime::aot::CompileOptions options;
    options.name = module.filename().string();
    options.cache_root = *dir;
    auto compiled = runtime::aot::compile(*bytes, *toolchain, options);
    if (!compiled) return std::move(compiled).error();
    out.miss_ms = ms(compiled->time);
  }
  auto hit = time_load(*bytes, engine, module);
  if (!hit) return std::move(hit).error();
  out.hit_ms = *hit;
  return out;
}

Result<InstanceTimes> measure_instances(const http::Component& component,
                                        const http::Request& request, const http::RouteMatch& match,
                                        uint32_t count) {
  const auto env = http::cgi_environment(request, match, "bench-cold-start", component.env);
  std::vector<double> instantiate, start;
  InstanceTimes out;
  for (uint32_t i = 0; i < count; ++i) {
    runtime::wasi::WasiConfig config;
    config.args.push_back(component.id);
    config.args.insert(config.args.end(), component.args.begin(), component.args.end());
    config.env = env;
    config.preopens = component.preopens;
    config.stdout_mode = runtime::wasi::StdioMode::Buffer;
    config.stderr_mode = runtime::wasi::StdioMode::Buffer;
    config.max_captured_output = http::kMaxResponseBytes;
    auto ctx = runtime::wasi::WasiCtx::create(std::move(config));
    if (!ctx) return Error("component " + component.id + ": wasi: " + ctx.error().message());
    auto instance = component.module->instantiate(std::move(ctx).value(), component.limits);
    if (!instance) return Error("component " + component.id + ": " + instance.error().message());
    auto outcome = (*instance)->run_start();
    if (!outcome) return Error("component " + component.id + ": " + outcome.error().message());
    if (outcome->status == runtime::RunOutcome::Status::Trapped)
      return Error("component " + component.id +
                   ": _start trapped: " + runtime::describe(*outcome->trap));
    instantiate.push_back(static_cast<double>(outcome->instantiate_time.count()) / kNsPerUs);
    start.push_back(static_cast<double>(outcome->run_time.count()) / kNsPerUs);
    out.memory_bytes = std::max(out.memory_bytes, (*instance)->memory_bytes());
  }
  out.count = count;
  out.instantiate_us = quantiles(std::move(instantiate));
  out.start_us = quantiles(std::move(start));
  return out;
}

Result<double> measure_first_byte(const FirstByteOptions& options) {
  if (options.serve_argv.empty() || options.runs == 0)
    return Error("measure_first_byte: nothing to run");
  std::vector<double> runs;
  for (uint32_t i = 0; i < options.runs; ++i) {
    auto once = first_byte_once(options);
    if (!once) return std::move(once).error();
    runs.push_back(*once);
  }
  return quantiles(std::move(runs)).p50;
}

}  // namespace edgectl::bench
