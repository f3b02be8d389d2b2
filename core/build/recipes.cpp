#include "build/recipes.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>

#include "util/glob.hpp"
#include "util/process.hpp"

namespace fs = std::filesystem;

namespace edgectl::build {
namespace {

using manifest::Language;

// What a toolchain's stderr may show in an error: enough for "runtime: failed to create new OS
// thread" and the line after it, not a page of a crashing runtime's goroutine dump.
constexpr size_t kProbeStderrLines = 5;
constexpr size_t kProbeStderrLineBytes = 200;

std::string command_line(const fs::path& program, const std::vector<std::string>& args) {
  std::string out = program.string();
  for (const auto& a : args) out += " " + a;
  return out;
}

// The first lines of a failed probe's stderr, indented under the error's first line.
std::string stderr_excerpt(std::string_view err) {
  std::string out;
  size_t shown = 0, more = 0;
  while (!err.empty()) {
    const size_t nl = err.find('\n');
    std::string_view line = err.substr(0, nl);
    err = nl == std::string_view::npos ? std::string_view{} : err.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (shown == kProbeStderrLines) {
      ++more;
      continue;
    }
    out += "\n  " + std::string(line.substr(0, kProbeStderrLineBytes));
    if (line.size() > kProbeStderrLineBytes) out += "...";
    ++shown;
  }
  if (more) out += "\n  (" + std::to_string(more) + " more lines)";
  return shown ? ", printing:" + out : ", printing nothing on stderr";
}

// The first line of `PROGRAM ARGS` output. A program that is there but cannot start, exits
// non-zero or is killed is an Error saying which, with the first lines of its stderr: a broken
// toolchain (no threads left, a bad install) must not read as an absent one. Successes are
// cached per process (tool identities are asked once per build, not once per component);
// failures are not, so a long `serve --watch` sees a toolchain that recovers.
Result<std::string> probe_tool(const fs::path& program, const std::vector<std::string>& args) {
  static std::mutex mutex;
  static std::map<std::string, std::string> cache;
  const std::string key = command_line(program, args);
  std::lock_guard lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::vector<std::string> argv{program.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = run_captured(argv);
  if (!run) return Error("'" + key + "' could not be started: " + run.error().message());
  const ProcessResult& r = run->result;
  if (r.signaled)
    return Error("'" + key + "' was killed by signal " + std::to_string(r.signal) +
                 stderr_excerpt(run->err));
  if (r.exit_code != 0)
    return Error("'" + key + "' exited with status " + std::to_string(r.exit_code) +
                 stderr_excerpt(run->err));
  std::string out = std::move(run->out);
  if (auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
  return cache[key] = out;
}

Error missing_tool(const manifest::Component& c, const std::string& what, const std::string& install) {
  Error e("component '" + c.id.value + "': " + what + " not found", c.build->where);
  e.note(install);
  return e;
}

// A toolchain that is installed but failed its probe: `failure` is probe_tool's Error.
Error broken_tool(const manifest::Component& c, const std::string& what, const fs::path& program,
                  const Error& failure) {
  Error e("component '" + c.id.value + "': " + what + " at " + program.string() +
              " is installed but does not work: " + failure.message(),
          c.build->where);
  e.note(
      "edgectl checks the toolchain that way before building; run that command to see the failure");
  return e;
}

std::optional<fs::path> find_clang() {
  // clang-19 is what Debian 12 pairs with wasi-libc and the wasm32 compiler-rt builtins.
  for (const char* name : {"clang-19", "clang-20", "clang-21", "clang-18", "clang"})
    if (auto p = find_program(name)) return p;
  return std::nullopt;
}

// A toolchain found by trying candidates in order. One that is installed but fails its probe
// ends the search, reported with why: it is the one the user's PATH picks (or the newest
// install), and building with the next one would hide a broken install or a machine out of
// threads. One that works but lacks what we need (an old Go, no wasm target) is skipped.
struct FoundTool {
  std::optional<fs::path> program;
  std::optional<std::pair<fs::path, Error>> broken;  // then `program` is empty
  std::string detail;    // what the working program told (the rustc target, "go1.23.5")
  std::string identity;  // its version line, when the probe was `version` (Go)
  std::string too_old;   // "go1.19.1 at /usr/bin/go": installed, working, older than needed
};

// rustc with the wasm32 WASI target installed (the target is named wasm32-wasip1 from
// Rust 1.78 on, wasm32-wasi before); PATH first, then Debian's /usr/bin/rustc.
FoundTool find_rustc() {
  FoundTool found;
  std::vector<fs::path> candidates;
  if (auto p = find_program("rustc")) candidates.push_back(*p);
  candidates.emplace_back("/usr/bin/rustc");
  for (const auto& rustc : candidates) {
    std::error_code ec;
    if (!fs::exists(rustc, ec)) continue;
    auto sysroot = probe_tool(rustc, {"--print", "sysroot"});
    if (!sysroot) {
      found.broken.emplace(rustc, std::move(sysroot).error());
      return found;
    }
    for (const char* target : {"wasm32-wasip1", "wasm32-wasi"})
      if (fs::exists(fs::path(*sysroot) / "lib/rustlib" / target, ec)) {
        found.program = rustc;
        found.detail = target;
        return found;
      }
  }
  return found;
}

// Go >= 1.21 (GOOS=wasip1 first appeared in 1.21). PATH first, then Debian's versioned
// installs (golang-1.2x-go from bookworm-backports).
constexpr int kMinGoMinor = 21;
FoundTool find_go() {
  FoundTool found;
  std::vector<fs::path> candidates;
  if (auto p = find_program("go")) candidates.push_back(*p);
  for (int minor = 30; minor >= kMinGoMinor; --minor)
    candidates.emplace_back("/usr/lib/go-1." + std::to_string(minor) + "/bin/go");
  for (const auto& go : candidates) {
    std::error_code ec;
    if (!fs::exists(go, ec)) continue;
    auto v = probe_tool(go, {"version"});  // "go version go1.23.5 linux/amd64"
    if (!v) {
      found.broken.emplace(go, std::move(v).error());
      return found;
    }
    int major = 0, minor = 0;
    auto pos = v->find("go1.");
    const bool parsed =
        pos != std::string::npos && std::sscanf(v->c_str() + pos, "go%d.%d", &major, &minor) == 2;
    if (parsed && (major > 1 || minor >= kMinGoMinor)) {
      found.program = go;
      found.detail = v->substr(pos, v->find(' ', pos) - pos);
      found.identity = *v;
      return found;
    }
    if (found.too_old.empty())
      found.too_old = (parsed ? v->substr(pos, v->find(' ', pos) - pos) : "'" + *v + "'") + " at " +
                      go.string();
  }
  return found;
}

std::vector<std::string> with_extension(const std::vector<std::string>& files, std::string_view ext) {
  std::vector<std::string> out;
  for (const auto& f : files)
    if (f.size() > ext.size() && f.compare(f.size() - ext.size(), ext.size(), ext) == 0) out.push_back(f);
  return out;
}

}  // namespace

std::vector<std::string> default_watch(Language lang) {
  switch (lang) {
    case Language::C: return {"**/*.c", "**/*.h"};
    case Language::Rust: return {"**/*.rs", "Cargo.toml"};
    case Language::Go:
    case Language::TinyGo: return {"**/*.go", "go.mod", "go.sum"};
    case Language::AssemblyScript: return {"assembly/**/*.ts", "package.json", "asconfig.json"};
    case Language::Wat: return {"**/*.wat"};
  }
  return {};
}

Result<CompilePlan> plan_compile(const manifest::Component& c, const fs::path& manifest_dir,
                                 const fs::path& raw_output) {
  const auto& b = *c.build;
  CompilePlan plan;
  plan.workdir = (manifest_dir / b.workdir).lexically_normal();
  plan.cwd = plan.workdir;
  plan.output = raw_output;
  std::error_code ec;
  if (!fs::is_directory(plan.workdir, ec))
    return Error("component '" + c.id.value + "': build folder " + plan.workdir.string() + " does not exist",
                 b.where);

  if (b.command) {
    plan.label = "command";
    plan.argv = shell_command(b.command->value);
    // The command writes the module to $EDGECTL_OUTPUT (or to the component's source).
    plan.env["EDGECTL_OUTPUT"] = raw_output.string();
    plan.env["EDGECTL_COMPONENT"] = c.id.value;
    plan.inputs = glob_files(plan.workdir, b.watch);
    plan.tool_identity = b.command->value;
    return plan;
  }

  const Language lang = b.language->value;
  plan.inputs = glob_files(plan.workdir, b.watch.empty() ? default_watch(lang) : b.watch);
  auto no_sources = [&](const char* ext) {
    return Error("component '" + c.id.value + "': no " + ext + " sources in " + plan.workdir.string(), b.where)
        .note("the watch globs decide which files are compiled; default for this language: " +
              [&] {
                std::string s;
                for (const auto& g : default_watch(lang)) s += (s.empty() ? "" : ", ") + g;
                return s;
              }());
  };

  switch (lang) {
    case Language::C: {
      auto clang = find_clang();
      if (!clang)
        return missing_tool(c, "clang-19",
                            "install: apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32");
      if (!fs::exists("/usr/include/wasm32-wasi", ec) && !fs::exists("/usr/lib/wasm32-wasi", ec))
        return missing_tool(c, "the WASI C library", "install: apt-get install wasi-libc");
      auto sources = with_extension(plan.inputs, ".c");
      if (sources.empty()) return no_sources(".c");
      plan.label = "c (" + clang->filename().string() + ")";
      plan.argv = {clang->string(), "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-Wall"};
      plan.argv.insert(plan.argv.end(), sources.begin(), sources.end());
      plan.argv.insert(plan.argv.end(), {"-o", raw_output.string()});
      auto identity = probe_tool(*clang, {"--version"});
      if (!identity) return broken_tool(c, "clang", *clang, identity.error());
      plan.tool_identity = *identity;
      return plan;
    }
    case Language::Rust: {
      const FoundTool rustc = find_rustc();
      if (rustc.broken) return broken_tool(c, "rustc", rustc.broken->first, rustc.broken->second);
      if (!rustc.program)
        return missing_tool(c, "rustc with the wasm32-wasi target",
                            "install: apt-get install rustc libstd-rust-dev-wasm32 "
                            "(or: rustup target add wasm32-wasip1)");
      // The crate root: src/main.rs, or the only .rs file of a single-file project.
      const auto rs = with_extension(plan.inputs, ".rs");
      std::string main;
      if (std::find(rs.begin(), rs.end(), "src/main.rs") != rs.end()) main = "src/main.rs";
      else if (rs.size() == 1) main = rs[0];
      if (main.empty()) return no_sources(".rs");
      plan.label = "rust (rustc, " + rustc.detail + ")";
      plan.argv = {rustc.program->string(), "--edition", "2021", "--target", rustc.detail,
                   "-C", "opt-level=s", main, "-o", raw_output.string()};
      auto identity = probe_tool(*rustc.program, {"--version"});
      if (!identity) return broken_tool(c, "rustc", *rustc.program, identity.error());
      plan.tool_identity = *identity;
      return plan;
    }
    case Language::Go: {
      const FoundTool go = find_go();
      if (go.broken) return broken_tool(c, "Go", go.broken->first, go.broken->second);
      if (!go.program) {
        const std::string install =
            "install: apt-get install -t bookworm-backports golang-1.23-go "
            "(binary at /usr/lib/go-1.23/bin/go)";
        if (!go.too_old.empty())
          return Error("component '" + c.id.value + "': Go >= 1.21 not found (" + go.too_old +
                           " is too old: GOOS=wasip1 arrived in Go 1.21)",
                       b.where)
              .note(install);
        return missing_tool(c, "Go >= 1.21", install);
      }
      if (with_extension(plan.inputs, ".go").empty()) return no_sources(".go");
      plan.label = "go (" + go.detail + ")";
      plan.argv = {go.program->string(), "build", "-trimpath", "-o", raw_output.string(), "."};
      plan.env = {{"GOOS", "wasip1"}, {"GOARCH", "wasm"}, {"GOTOOLCHAIN", "local"}, {"CGO_ENABLED", "0"}};
      plan.tool_identity = go.identity;
      return plan;
    }
    case Language::TinyGo: {
      auto tinygo = find_program("tinygo");
      if (!tinygo)
        return missing_tool(c, "tinygo", "TinyGo is not packaged for Debian: install it from tinygo.org");
      if (with_extension(plan.inputs, ".go").empty()) return no_sources(".go");
      plan.label = "tinygo";
      plan.argv = {tinygo->string(), "build", "-target=wasi", "-opt=z", "-no-debug", "-o", raw_output.string(), "."};
      auto identity = probe_tool(*tinygo, {"version"});
      if (!identity) return broken_tool(c, "tinygo", *tinygo, identity.error());
      plan.tool_identity = *identity;
      return plan;
    }
    case Language::AssemblyScript: {
      std::optional<fs::path> asc;
      if (fs::exists(plan.workdir / "node_modules/.bin/asc", ec)) asc = plan.workdir / "node_modules/.bin/asc";
      if (!asc) asc = find_program("asc");
      if (!asc)
        return missing_tool(c, "asc (AssemblyScript)",
                            "run 'npm install' in " + plan.workdir.string() + " (needs nodejs and npm)");
      if (std::find(plan.inputs.begin(), plan.inputs.end(), "assembly/index.ts") == plan.inputs.end())
        return no_sources("assembly/index.ts");
      plan.label = "assemblyscript (asc)";
      plan.argv = {asc->string(), "assembly/index.ts", "-o", raw_output.string(), "--optimize", "--runtime",
                   "stub", "--use", "abort=assembly/index/abort"};
      auto identity = probe_tool(*asc, {"--version"});
      if (!identity) return broken_tool(c, "asc", *asc, identity.error());
      plan.tool_identity = *identity;
      return plan;
    }
    case Language::Wat: {
      auto sources = with_extension(plan.inputs, ".wat");
      if (sources.empty()) return no_sources(".wat");
      if (sources.size() > 1)
        return Error("component '" + c.id.value + "': more than one .wat file; a wat component has one module",
                     b.where);
      plan.label = "wat (in process)";
      plan.wat_source = plan.workdir / sources[0];
      plan.tool_identity = "wabt 1.0.32";
      return plan;
    }
  }
  return Error("internal: unknown language");
}

}  // namespace edgectl::build
