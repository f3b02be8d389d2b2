// edgectl build: compile each component, then strip, optimize and check it (core/build);
// with --aot, also compile it to native code in the aot cache. --profile dev skips optimize.
#include <chrono>
#include <iostream>

#include "build/build.hpp"
#include "manifest/manifest.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "ui/progress.hpp"
#include "ui/style.hpp"
#include "ui/table.hpp"
#include "util/units.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

constexpr int kExitUsage = 2;

struct BuildOptions {
  std::string manifest;
  std::vector<std::string> components;
  bool force = false;
  bool keep_names = false;
  bool json = false;
  bool quiet = false;
  bool aot = false;
  std::string opt_level = "z";
  bool opt_level_given = false;
  std::string profile;  // "" = each component's manifest profile, else release
};

std::string percent_saved(uint64_t before, uint64_t after) {
  if (before == 0 || after >= before) return after > before ? "+" + std::to_string(after - before) + " B" : "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%.1f%%", 100.0 * static_cast<double>(before - after) / static_cast<double>(before));
  return buf;
}

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }
double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

nlohmann::json warnings_json(const std::vector<Diagnostic>& warnings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : warnings) out.push_back(ui::to_json(w));
  return out;
}

// null unless the component was pre-compiled (--aot).
nlohmann::json aot_json(const std::optional<build::AotReport>& aot) {
  if (!aot) return nullptr;
  return {{"cache_hit", aot->cache_hit},
          {"seconds", seconds(aot->time)},
          {"library_bytes", aot->library_bytes},
          {"key", aot->key},
          {"flags", aot->flags},
          {"library", aot->library.string()}};
}

nlohmann::json report_json(const build::BuildReport& report) {
  nlohmann::json comps = nlohmann::json::array();
  for (const auto& c : report.components) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : c.steps)
      steps.push_back({{"name", s.name}, {"size", s.size}, {"time_ms", ms(s.time)}, {"skipped", s.skipped}});
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : c.failures) failures.push_back({{"check", f.check}, {"diagnostic", ui::to_json(f.diagnostic)}});
    nlohmann::json j = {{"id", c.id},
                        {"recipe", c.recipe},
                        {"profile", manifest::to_string(c.profile)},
                        {"output", c.output},
                        {"compiled", c.compiled},
                        {"up_to_date", c.up_to_date},
                        {"raw_size", c.raw_size},
                        {"stripped_size", c.stripped_size},
                        {"optimized_size", c.optimized_size},
                        {"sha256", c.sha256},
                        {"steps", steps},
                        {"failures", failures},
                        {"ok", c.ok()}};
    j["aot"] = aot_json(c.aot);
    j["warnings"] = warnings_json(c.warnings);
    j["budget"] = c.budget ? nlohmann::json(*c.budget) : nlohmann::json(nullptr);
    j["headroom"] = c.budget ? nlohmann::json(static_cast<int64_t>(*c.budget) - static_cast<int64_t>(c.optimized_size))
                             : nlohmann::json(nullptr);
    comps.push_back(j);
  }
  return {{"ok", report.ok()}, {"components", comps}, {"warnings", warnings_json(report.warnings)}};
}

void print_report(const build::BuildReport& report) {
  const bool color = ui::color_enabled(stdout);
  for (const auto& c : report.components) {
    const bool dev = c.profile == build::BuildProfile::Dev;
    std::cout << ui::ansi(c.id, ui::Tone::Bold, color) << "  " << c.recipe << ", "
              << manifest::to_string(c.profile) << " profile  -> " << c.output
              << (c.up_to_date ? ui::ansi("  (up to date)", ui::Tone::Dim, color) : "") << "\n";
    ui::Table t({"step", "size", "bytes", "saved", "time"},
                {ui::Align::Left, ui::Align::Right, ui::Align::Right, ui::Align::Right, ui::Align::Right});
    uint64_t prev = c.raw_size;
    for (const auto& s : c.steps) {
      if (s.name == "compile") {
        t.add_row({"compile", human_bytes(c.raw_size), std::to_string(c.raw_size), "",
                   s.skipped ? "up to date" : human_duration(s.time)});
      } else if (s.name == "strip" || s.name == "optimize") {
        t.add_row({s.name, human_bytes(s.size), std::to_string(s.size), percent_saved(prev, s.size), human_duration(s.time)});
        prev = s.size;
        if (s.name == "strip" && dev) t.add_row({"optimize", "", "", "", "skipped (dev)"});
      } else {
        t.add_row({s.name, "", "", "", human_duration(s.time)});
      }
    }
    if (c.raw_size && c.optimized_size != c.raw_size)
      t.add_row({"total", human_bytes(c.optimized_size), std::to_string(c.optimized_size),
                 percent_saved(c.raw_size, c.optimized_size), ""});
    std::string table = t.render(color);
    for (size_t pos = 0, nl; (nl = table.find('\n', pos)) != std::string::npos; pos = nl + 1)
      std::cout << "  " << table.substr(pos, nl - pos + 1);
    if (c.budget) {
      const int64_t headroom = static_cast<int64_t>(*c.budget) - static_cast<int64_t>(c.optimized_size);
      std::string verdict = headroom >= 0 ? ui::ansi("ok", ui::Tone::Green, color)
                            : dev         ? ui::ansi("over budget (dev build: a warning)", ui::Tone::Yellow, color)
                                          : ui::ansi("OVER BUDGET", ui::Tone::Red, color);
      std::cout << "  budget   " << human_bytes(*c.budget) << " (" << *c.budget << " bytes), headroom "
                << (headroom >= 0 ? human_bytes(static_cast<uint64_t>(headroom))
                                  : "-" + human_bytes(static_cast<uint64_t>(-headroom)))
                << "  " << verdict << "\n";
    }
    std::cout << "  sha256   " << c.sha256 << "\n";
    if (c.aot)
      std::cout << "  aot      "
                << (c.aot->cache_hit ? "cache hit (" + human_duration(c.aot->time) + ")"
                                     : "compiled to native code in " + human_duration(c.aot->time))
                << ", library " << human_bytes(c.aot->library_bytes) << "\n";
    std::cout << "\n";
  }
  std::cout << std::flush;
}

int run_build(const BuildOptions& o) {
  std::filesystem::path manifest_path = o.manifest;
  if (manifest_path.empty()) {
    auto found = manifest::find_manifest(std::filesystem::current_path());
    if (!found) return ui::print_error(found.error()), 1;
    manifest_path = *found;
  }
  auto m = manifest::load_manifest(manifest_path);
  if (!m) return o.json ? (ui::print_json(ui::to_json(m.error())), 1) : (ui::print_error(m.error()), 1);

  build::BuildOptions bo;
  bo.rebuild = o.force ? build::Rebuild::Always : build::Rebuild::IfChanged;
  if (!o.profile.empty()) bo.profile = manifest::parse_build_profile(o.profile);
  if (bo.profile == build::BuildProfile::Dev && o.opt_level_given)
    return ui::fail(Error("-O sets binaryen's level for release builds; --profile dev does not optimize"), o.json),
           kExitUsage;
  bo.opt_level = *wasm::parse_opt_level(o.opt_level);
  bo.keep_names = o.keep_names ? wasm::KeepNames::Yes : wasm::KeepNames::No;
  bo.only_components = o.components;
  bo.aot = o.aot;
  ui::Spinner spinner;
  bo.on_event = [&](const build::BuildEvent& e) {
    using K = build::BuildEvent::Kind;
    if (e.kind == K::ToolOutput) {
      if (!o.quiet) std::cerr << e.text << std::flush;  // the toolchain's own words, as they come
    } else if (e.kind == K::StepStarted) {
      if (e.step == "compile" && !o.quiet && !o.json) std::cerr << e.component << ": compiling\n";
      spinner.start(e.component + ": " + (e.step == "optimize" ? "optimizing -" + e.text
                                          : e.step == "aot"    ? "compiling to native code"
                                                               : e.step));
    } else if (e.kind == K::Progress) {
      spinner.start(e.component + ": " + e.text);
    } else if (e.kind == K::StepFinished) {
      spinner.stop();
    }
  };
  auto report = build::build_app(*m, bo);
  spinner.stop();
  if (!report) return o.json ? (ui::print_json(ui::to_json(report.error())), 1) : (ui::print_error(report.error()), 1);
  if (o.json) {
    ui::print_json(report_json(*report));
  } else {
    print_report(*report);
    for (const auto& c : report->components)
      for (const auto& f : c.failures) ui::print_error(Error(f.diagnostic));
  }
  // Warnings go to stderr under --json too (they are in the JSON as well): nothing failed.
  for (const auto& w : report->warnings) ui::print_diagnostic(w);
  for (const auto& c : report->components)
    for (const auto& w : c.warnings) ui::print_diagnostic(w);
  return report->ok() ? 0 : 1;
}

}  // namespace

void add_build(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BuildOptions>();
  CLI::App* cmd = app.add_subcommand("build", "Compile each component, then strip, optimize and size-check it");
  cmd->add_option("components", o->components, "Only these component ids (default: all)");
  cmd->add_option("-f,--file", o->manifest, "The manifest (default: edgectl.toml here or in a parent folder)");
  cmd->add_flag("--force", o->force, "Rebuild even when the inputs are unchanged");
  cmd->add_option("--profile", o->profile,
                  "release: the full pipeline, a size budget over the limit fails; dev: no binaryen "
                  "optimization, over budget only warns (default: [component.build] profile, else release)")
      ->type_name("dev|release")
      ->check(CLI::IsMember(manifest::build_profile_names()));
  cmd->add_option("-O,--opt-level", o->opt_level, "binaryen optimization level of release builds: 0 1 2 3 4 s z")
      ->default_str("z")
      ->check(CLI::IsMember({"0", "1", "2", "3", "4", "s", "z", "O0", "O1", "O2", "O3", "O4", "Os", "Oz"}))
      ->each([o](const std::string&) { o->opt_level_given = true; });
  cmd->add_flag("--keep-names", o->keep_names, "Keep the 'name' section (function names for traps and profiles)");
  cmd->add_flag("--aot", o->aot,
                "Also compile each module to native code (the aot cache): its first run is a cache hit");
  cmd->add_flag("--json", o->json, "Print the build report as JSON on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "Do not echo the toolchain's output");
  cmd->footer(
      "Exit status: 0 built and within budget; 1 a build failed or a size budget / import policy check failed\n"
      "(a dev build over its budget only warns); 2 a usage error.\n"
      "--aot never changes it: without wasm2c or a C compiler, or when the native compile fails, a warning.\n"
      "Profiles compile the same way; dev skips binaryen's -O pass (seconds on a Go module) and so\n"
      "gives a bigger module. Switching profile redoes the steps after the compile, not the compile.\n"
      "`serve --watch` builds dev unless [component.build] sets a profile; `push` always builds release.\n\n"
      "Examples:\n"
      "  edgectl build                  build every component of ./edgectl.toml\n"
      "  edgectl build --profile dev    build fast: no binaryen optimization\n"
      "  edgectl build api --force      rebuild one component from scratch\n"
      "  edgectl build -O3 --keep-names optimize for speed and keep function names\n"
      "  edgectl build --aot            also pre-compile to native code for 'run' and 'serve'\n"
      "  edgectl build --json           machine-readable report for CI");
  cmd->callback([o, &exit_code] { exit_code = run_build(*o); });
}

}  // namespace edgectl::cli
