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

// The first line of `PROGRAM ARGS` output, cached per process: tool identities are asked
// once per build, not once per component.
std::string tool_version(const fs::path& program, const std::vector<std::string>& args) {
  static std::mutex mutex;
  static std::map<std::string, std::string> cache;
  std::string key = program.string();
  for (const auto& a : args) key += " " + a;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::vector<std::string> argv{program.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out = capture_output(argv).value_or("");
  if (auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
  return cache[key] = out;
}

Error missing_tool(const manifest::Component& c, const std::string& what, const std::string& install) {
  Error e("component '" + c.id.value + "': " + what + " not found", c.build->where);
  e.note(install);
  return e;
}

std::optional<fs::path> find_clang() {
  // clang-19 is what Debian 12 pairs with wasi-libc and the wasm32 compiler-rt builtins.
  for (const char* name : {"clang-19", "clang-20", "clang-21", "clang-18", "clang"})
    if (auto p = find_program(name)) return p;
  return std::nullopt;
}

// rustc with the wasm32 WASI target installed (the target is named wasm32-wasip1 from
// Rust 1.78 on, wasm32-wasi before); PATH first, then Debian's /usr/bin/rustc.
std::optional<std::pair<fs::path, std::string>> find_rustc() {
  std::vector<fs::path> candidates;
  if (auto p = find_program("rustc")) candidates.push_back(*p);
  candidates.emplace_back("/usr/bin/rustc");
  for (const auto& rustc : candidates) {
    std::error_code ec;
    if (!fs::exists(rustc, ec)) continue;
    auto sysroot = capture_output({rustc.string(), "--print", "sysroot"});
    if (!sysroot) continue;
    while (!sysroot->empty() && (sysroot->back() == '\n' || sysroot->back() == '\r')) sysroot->pop_back();
    for (const char* target : {"wasm32-wasip1", "wasm32-wasi"})
      if (fs::exists(fs::path(*sysroot) / "lib/rustlib" / target, ec)) return std::pair{rustc, std::string(target)};
  }
  return std::nullopt;
}

// Go >= 1.21 (GOOS=wasip1 first appeared in 1.21). PATH first, then Debian's versioned
// installs (golang-1.2x-go from bookworm-backports).
std::optional<fs::path> find_go() {
  constexpr int kMinGoMinor = 21;
  std::vector<fs::path> candidates;
  if (auto p = find_program("go")) candidates.push_back(*p);
  for (int minor = 30; minor >= kMinGoMinor; --minor)
    candidates.emplace_back("/usr/lib/go-1." + std::to_string(minor) + "/bin/go");
  for (const auto& go : candidates) {
    std::error_code ec;
    if (!fs::exists(go, ec)) continue;
    std::string v = tool_version(go, {"version"});  // "go version go1.23.5 linux/amd64"
    int major = 0, minor = 0;
    auto pos = v.find("go1.");
    if (pos != std::string::npos && std::sscanf(v.c_str() + pos, "go%d.%d", &major, &minor) == 2 &&
        (major > 1 || minor >= kMinGoMinor))
      return go;
  }
  return std::nullopt;
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
      plan.tool_identity = tool_version(*clang, {"--version"});
      return plan;
    }
    case Language::Rust: {
      auto rustc = find_rustc();
      if (!rustc)
        return missing_tool(c, "rustc with the wasm32-wasi target",
                            "install: apt-get install rustc libstd-rust-dev-wasm32 "
                            "(or: rustup target add wasm32-wasip1)");
      // The crate root: src/main.rs, or the only .rs file of a single-file project.
      const auto rs = with_extension(plan.inputs, ".rs");
      std::string main;
      if (std::find(rs.begin(), rs.end(), "src/main.rs") != rs.end()) main = "src/main.rs";
      else if (rs.size() == 1) main = rs[0];
      if (main.empty()) return no_sources(".rs");
      plan.label = "rust (rustc, " + rustc->second + ")";
      plan.argv = {rustc->first.string(), "--edition", "2021", "--target", rustc->second, "-C", "opt-level=s",
                   main, "-o", raw_output.string()};
      plan.tool_identity = tool_version(rustc->first, {"--version"});
      return plan;
    }
    case Language::Go: {
      auto go = find_go();
      if (!go)
        return missing_tool(c, "Go >= 1.21",
                            "install: apt-get install -t bookworm-backports golang-1.23-go "
                            "(binary at /usr/lib/go-1.23/bin/go)");
      if (with_extension(plan.inputs, ".go").empty()) return no_sources(".go");
      const std::string version = tool_version(*go, {"version"});  // "go version go1.23.5 linux/amd64"
      const size_t v = version.find("go1");
      plan.label = "go (" + version.substr(v, version.find(' ', v) - v) + ")";
      plan.argv = {go->string(), "build", "-trimpath", "-o", raw_output.string(), "."};
      plan.env = {{"GOOS", "wasip1"}, {"GOARCH", "wasm"}, {"GOTOOLCHAIN", "local"}, {"CGO_ENABLED", "0"}};
      plan.tool_identity = tool_version(*go, {"version"});
      return plan;
    }
    case Language::TinyGo: {
      auto tinygo = find_program("tinygo");
      if (!tinygo)
        return missing_tool(c, "tinygo", "TinyGo is not packaged for Debian: install it from tinygo.org");
      if (with_extension(plan.inputs, ".go").empty()) return no_sources(".go");
      plan.label = "tinygo";
      plan.argv = {tinygo->string(), "build", "-target=wasi", "-opt=z", "-no-debug", "-o", raw_output.string(), "."};
      plan.tool_identity = tool_version(*tinygo, {"version"});
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
      plan.tool_identity = tool_version(*asc, {"--version"});
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
