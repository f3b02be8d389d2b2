#pragma once
// Helpers shared by the unit tests: fixtures compiled at test time from WAT (in process) or
// from C (clang-19 for wasm32-wasi), and the paths CMake passes in.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/fs.hpp"
#include "util/process.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::test {

inline std::filesystem::path source_dir() { return EDGECTL_SOURCE_DIR; }
inline std::filesystem::path edgectl_binary() { return EDGECTL_BINARY; }

// Compiles WAT text; fails the current test on error.
inline Bytes wat(std::string_view text) {
  auto r = wasm::compile_wat(text, "fixture.wat");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r).value();
}

inline std::string to_string(const Bytes& b) { return std::string(b.begin(), b.end()); }

// Writes `source` to a scratch file, runs `argv` + {source file, "-o", output file} and
// returns the output; fails the test (with the tool's output) if the tool fails.
inline Bytes run_tool(std::vector<std::string> argv, std::string_view source, const std::string& ext) {
  TempDir dir("edgectl-fixture");
  auto src = dir.path() / ("main" + ext);
  auto out = dir.path() / "main.wasm";
  REQUIRE(write_file_atomic(src, source).ok());
  argv.insert(argv.end(), {src.string(), "-o", out.string()});
  std::string log;
  ProcessSpec spec{argv, {}, {}, [&](OutputStream, std::string_view s) { log.append(s); }};
  auto r = run_process(spec);
  REQUIRE_MESSAGE(r.ok(), (argv[0] + " did not start"));
  REQUIRE_MESSAGE(r->exit_code == 0, log);
  auto bytes = read_file(out);
  REQUIRE(bytes.ok());
  return std::move(bytes).value();
}

// Compiles C source for wasm32-wasi with clang-19; fails the test if it cannot.
inline Bytes compile_c(std::string_view source, const std::vector<std::string>& flags = {"-O2"}) {
  std::vector<std::string> argv{"clang-19", "--target=wasm32-wasi", "--sysroot=/usr"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return run_tool(argv, source, ".c");
}

// For proposals compile_wat refuses (it enables only the runtime's features): wabt's own
// wat2wasm with every feature on.
inline Bytes wat_all_features(std::string_view text) { return run_tool({"wat2wasm", "--enable-all"}, text, ".wat"); }

// Sets (or, with nullopt, unsets) an environment variable of this process for a scope, e.g.
// XDG_CACHE_HOME to keep the aot cache of a test in a TempDir. ctest runs each test case in
// its own process, so nothing leaks into other tests.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value)
      ::setenv(name_.c_str(), value->c_str(), /*overwrite=*/1);
    else
      ::unsetenv(name_.c_str());
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), /*overwrite=*/1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the built edgectl binary with `args` in `cwd`, with `env` on top of ours.
inline CommandOutput run_edgectl(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
                                 const std::map<std::string, std::string>& env = {}) {
  CommandOutput o;
  ProcessSpec spec;
  spec.argv = {edgectl_binary().string()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = cwd;
  spec.env_overrides = env;
  spec.env_overrides["NO_COLOR"] = "1";
  spec.on_output = [&](OutputStream s, std::string_view chunk) {
    (s == OutputStream::Stdout ? o.out : o.err).append(chunk);
  };
  auto r = run_process(spec);
  REQUIRE(r.ok());
  o.exit_code = r->exit_code;
  return o;
}

}  // namespace edgectl::test
