// edgectl run: run a WASI command (or one export) in the embedded runtime, like
// `wasmtime run`. The guest gets this process's stdin/stdout/stderr, its arguments and only
// the environment and folders given; its exit code becomes ours. core/runtime does the work.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <numeric>

#include "limit_flags.hpp"
#include "runtime/runtime.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "ui/style.hpp"
#include "util/fs.hpp"
#include "util/units.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

// Exit statuses besides the guest's own (documented in docs/runtime.md and --help).
constexpr int kExitError = 1;      // edgectl could not run the module
constexpr int kExitTimeout = 124;  // as timeout(1)
constexpr int kExitOutOfFuel = 125;
constexpr int kExitTrap = 134;  // 128 + SIGABRT, as wasmtime on Unix
constexpr uint32_t kExitStatusBits = 0xff;  // all a Unix parent sees of an exit code
constexpr std::string_view kDirSeparator = "::";
constexpr double kPercentileP50 = 0.50;
constexpr double kPercentileP99 = 0.99;

struct Options {
  std::string engine = std::string(runtime::kDefaultEngine);
  std::vector<std::string> dirs, dirs_ro, env;
  LimitFlags limits;
  std::string invoke;
  std::string module;
  std::vector<std::string> args;
  uint64_t repeat = 0;
  bool json = false;
};


runtime::wasi::WasiConfig wasi_config(const Options& o) {
  runtime::wasi::WasiConfig c;
  c.args.push_back(std::filesystem::path(o.module).filename().string());
  if (o.invoke.empty()) c.args.insert(c.args.end(), o.args.begin(), o.args.end());
  for (const auto& kv : o.env) {
    auto eq = kv.find('=');
    if (eq != std::string::npos) {
      c.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (const char* host = std::getenv(kv.c_str())) {  // --env NAME: the host's value
      c.env.emplace_back(kv, host);
    }
  }
  auto add_dirs = [&](const std::vector<std::string>& specs, bool writable) {
    for (const auto& spec : specs) {
      auto sep = spec.find(kDirSeparator);
      std::string host = spec.substr(0, sep);
      std::string guest = sep == std::string::npos ? host : spec.substr(sep + kDirSeparator.size());
      c.preopens.push_back({host, guest, writable});
    }
  };
  add_dirs(o.dirs, true);
  add_dirs(o.dirs_ro, false);
  // Only a benchmark loop keeps the guest's output off the terminal (captured, dropped).
  using runtime::wasi::StdioMode;
  c.stdin_mode = o.repeat ? StdioMode::Null : StdioMode::Inherit;
  c.stdout_mode = c.stderr_mode = o.repeat ? StdioMode::Buffer : StdioMode::Inherit;
  return c;
}

// The guest's outcome as our exit status, with a trap explained on stderr.
int report(const runtime::RunOutcome& o, bool print_results) {
  using S = runtime::RunOutcome::Status;
  if (o.status == S::Exited) return static_cast<int>(o.exit_code & kExitStatusBits);
  if (o.status == S::Returned) {
    if (print_results)
      for (const auto& v : o.results) std::cout << runtime::format_value(v) << "\n";
    return 0;
  }
  const runtime::Trap& t = *o.trap;
  std::cerr << ui::paint("error:", ui::Tone::Red, stderr) << " wasm trap: " << runtime::describe(t)
            << "\n";
  if (!t.function.empty()) {
    std::cerr << "  at " << t.function;
    if (t.code_offset) {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(*t.code_offset));
      std::cerr << " (function body at offset " << hex << ")";
    }
    std::cerr << "\n";
  }
  return t.kind == runtime::TrapKind::Timeout     ? kExitTimeout
         : t.kind == runtime::TrapKind::OutOfFuel ? kExitOutOfFuel
                                                  : kExitTrap;
}

// One fresh instance, run to its end.
Result<runtime::RunOutcome> run_once(const runtime::Module& module, const Options& o,
                                     const runtime::wasi::WasiConfig& config,
                                     const std::vector<runtime::Value>& args) {
  auto ctx = runtime::wasi::WasiCtx::create(config);
  if (!ctx) return std::move(ctx).error();
  auto instance = module.instantiate(std::move(ctx).value(), o.limits.to_limits());
  if (!instance) return std::move(instance).error();
  return o.invoke.empty() ? (*instance)->run_start() : (*instance)->invoke(o.invoke, args);
}

// --repeat: N fresh instances in this process; microseconds per instantiate-and-run.
int run_repeated(const runtime::Module& module, const Options& o,
                 const runtime::wasi::WasiConfig& config, const std::vector<runtime::Value>& args,
                 double load_ms) {
  std::vector<double> total_us, instantiate_us;
  std::map<std::string, uint64_t> runs_by_engine;
  std::string_view last_engine;
  int status = 0;
  for (uint64_t i = 0; i < o.repeat; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto outcome = run_once(module, o, config, args);
    if (!outcome) return ui::print_error(outcome.error()), kExitError;
    total_us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started)
            .count());
    instantiate_us.push_back(
        std::chrono::duration<double, std::micro>(outcome->instantiate_time).count());
    ++runs_by_engine[std::string(outcome->engine)];
    last_engine = outcome->engine;
    status = report(*outcome, false);  // a trap is printed and ends the loop; exits do not
    if (outcome->status == runtime::RunOutcome::Status::Trapped) return status;
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty()
               ? 0.0
               : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  double mean = total_us.empty() ? 0
                                 : std::accumulate(total_us.begin(), total_us.end(), 0.0) /
                                       static_cast<double>(total_us.size());
  nlohmann::json j = {{"runs", o.repeat},
                      {"p50_us", pct(total_us, kPercentileP50)},
                      {"p99_us", pct(total_us, kPercentileP99)},
                      {"mean_us", mean},
                      {"instantiate_p50_us", pct(instantiate_us, kPercentileP50)},
                      {"engine", last_engine},
                      {"load_ms", load_ms},
                      {"runs_by_engine", runs_by_engine}};
  if (o.json) {
    ui::print_json(j);
  } else {
    std::printf("%llu runs: p50 %.1f µs, p99 %.1f µs, mean %.1f µs (instantiate p50 %.1f µs), engine %s\n",
                static_cast<unsigned long long>(o.repeat), j["p50_us"].get<double>(),
                j["p99_us"].get<double>(), mean, j["instantiate_p50_us"].get<double>(),
                std::string(last_engine).c_str());
  }
  return status;
}

int run_run(const Options& o) {
  auto bytes = wasm::read_module(o.module);
  if (!bytes) return ui::print_error(bytes.error()), kExitError;
  auto engine = runtime::make_engine(o.engine);
  if (!engine) return ui::print_error(engine.error()), kExitError;
  runtime::LoadOptions load;
  load.name = o.module;
  // What the aot engine says (compile progress, falling back to the interpreter) matters
  // when it was asked for; auto's background work is silent unless EDGECTL_VERBOSE is set.
  if (o.engine == "aot" || std::getenv("EDGECTL_VERBOSE"))
    load.on_notice = [](std::string_view note) {
      std::cerr << ui::paint("note:", ui::Tone::Dim, stderr) << " " << note << "\n";
    };
  // Native code that cannot be made is always worth a word.
  load.on_warning = [](std::string_view warning) { ui::print_warning(std::string(warning)); };
  const auto load_started = std::chrono::steady_clock::now();
  auto module = (*engine)->load(*bytes, load);
  if (!module) return ui::print_error(module.error()), kExitError;
  const double load_ms = std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - load_started).count();

  std::vector<runtime::Value> args;
  if (!o.invoke.empty()) {
    auto type = (*module)->export_function(o.invoke);
    if (!type) return ui::print_error(type.error()), kExitError;
    auto parsed = runtime::parse_args(*type, o.args);
    if (!parsed)
      return ui::print_error(std::move(parsed).error().context("'" + o.invoke + "': ")), kExitError;
    args = std::move(parsed).value();
  }
  const runtime::wasi::WasiConfig config = wasi_config(o);
  if (o.repeat) return run_repeated(**module, o, config, args, load_ms);
  auto outcome = run_once(**module, o, config, args);
  if (!outcome) return ui::print_error(outcome.error()), kExitError;
  return report(*outcome, !o.invoke.empty());
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("run", "Run a WASI command (or one export) in the embedded runtime");
  cmd->add_option("module", o->module, "The module: a .wasm binary, or a .wat text file")
      ->required();
  cmd->add_option("args", o->args, "Arguments for the guest (after --), or --invoke's arguments");
  cmd->add_option("--engine", o->engine,
                  "auto: interpreter at once, native code when compiled (cached); aot: native "
                  "code (compiles first); interp: the interpreter (counts fuel)")
      ->check(CLI::IsMember({"auto", "aot", "interp"}))
      ->default_str(std::string(runtime::kDefaultEngine));
  cmd->add_option("--dir", o->dirs,
                  "Give the guest a host folder, read-write, as GUEST (default: HOST as given)")
      ->type_name("HOST[::GUEST]")
      ->allow_extra_args(false);  // one value per flag: `--dir a app.wasm` is not two folders
  cmd->add_option("--dir-ro", o->dirs_ro, "Like --dir, read-only")
      ->type_name("HOST[::GUEST]")
      ->allow_extra_args(false);
  cmd->add_option("--env", o->env,
                  "Set a guest environment variable; NAME alone passes the host's value")
      ->type_name("NAME[=VALUE]")
      ->allow_extra_args(false);
  o->limits.add_to(*cmd);
  cmd->add_option("--invoke", o->invoke, "Call this export instead of _start and print its results")
      ->type_name("NAME");
  cmd->add_option("--repeat", o->repeat,
                  "Benchmark: run N fresh instances (guest output dropped), print µs per run")
      ->type_name("N");
  cmd->add_flag("--json", o->json, "With --repeat: print the timings as JSON");
  cmd->footer(
      "Exit status: the guest's exit code (returning from _start is 0); 1 the module could not be\n"
      "loaded or instantiated; 2 usage error; 124 timeout; 125 out of fuel; 134 any other trap.\n\n"
      "Examples:\n"
      "  edgectl run hello.wasm\n"
      "  edgectl run app.wasm --dir ./data::/data --env NAME=edge -- --verbose input.txt\n"
      "  echo hi | edgectl run --timeout 500ms --max-memory 64MiB cat.wasm\n"
      "  edgectl run --invoke fib kernels.wasm 30\n"
      "  edgectl run --repeat 10000 --json hello.wasm");
  cmd->callback([o, &exit_code] { exit_code = run_run(*o); });
}

}  // namespace edgectl::cli
