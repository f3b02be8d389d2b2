// The build pipeline: compile (recipe) → validate → strip → optimize → validate → checks
// (import policy, size budget) → atomic write → with --aot, native code in the aot cache.
// Each step is a short function below; the order lives in ComponentBuild::run(). The dev
// profile leaves out optimize (binaryen: seconds to tens of seconds on a Go module, to save a
// few percent) and keeps strip (milliseconds, and it keeps dev sizes near release's).
// Incremental state sits in .edgectl/build/<id>/; the native code's in the aot cache.
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>

#include "runtime/detail/module_checks.hpp"
#include "build/build.hpp"
#include "build/recipes.hpp"
#include "runtime/aot/aot.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace edgectl::build {
namespace {

using Clock = std::chrono::steady_clock;

// Bumped when the pipeline changes what it writes, so old caches are not trusted.
constexpr int kStateVersion = 1;
constexpr std::string_view kStateDir = ".edgectl/build";

struct BuildState {
  std::string compile_key;
  std::string raw_sha256;
  std::string post_key;
  std::string output_sha256;
  std::string profile;  // of the artifact output_sha256 names; states from before profiles: release
  uint64_t raw_size = 0, stripped_size = 0, optimized_size = 0;
};

BuildState load_state(const fs::path& file) {
  BuildState s;
  auto text = read_text_file(file);
  if (!text) return s;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("version", 0) != kStateVersion) return s;
  s.compile_key = j.value("compile_key", "");
  s.raw_sha256 = j.value("raw_sha256", "");
  s.post_key = j.value("post_key", "");
  s.output_sha256 = j.value("output_sha256", "");
  s.profile = j.value("profile", "release");
  s.raw_size = j.value("raw_size", uint64_t{0});
  s.stripped_size = j.value("stripped_size", uint64_t{0});
  s.optimized_size = j.value("optimized_size", uint64_t{0});
  return s;
}

Status save_state(const fs::path& file, const BuildState& s) {
  json j = {{"version", kStateVersion},      {"compile_key", s.compile_key},   {"raw_sha256", s.raw_sha256},
            {"post_key", s.post_key},        {"output_sha256", s.output_sha256}, {"profile", s.profile},
            {"raw_size", s.raw_size},
            {"stripped_size", s.stripped_size}, {"optimized_size", s.optimized_size}};
  return write_file_atomic(file, j.dump(2) + "\n");
}

// Everything the compile output depends on: the recipe, the toolchain, every input file.
std::string compile_key(const CompilePlan& plan) {
  Sha256 h;
  h.update("edgectl " EDGECTL_VERSION "\n").update(plan.label + "\n").update(plan.tool_identity + "\n");
  for (const auto& a : plan.argv) h.update(a).update(std::string_view("\0", 1));
  for (const auto& [k, v] : plan.env) h.update(k + "=" + v + "\n");
  for (const auto& rel : plan.inputs) {
    auto file_hash = sha256_file(plan.workdir / rel);
    h.update(rel + ":" + (file_hash ? *file_hash : std::string("unreadable")) + "\n");
  }
  return h.hex();
}

// What the post-compile steps depend on. A dev and a release artifact of the same raw module
// differ, so switching profile redoes them (the release key is spelt as before profiles).
std::string post_key(const std::string& raw_sha, BuildProfile profile, const BuildOptions& o) {
  const std::string level =
      profile == BuildProfile::Dev ? "dev" : std::string(wasm::to_string(o.opt_level));
  return sha256_hex("edgectl " EDGECTL_VERSION " post " + raw_sha + " " + level +
                    (o.keep_names == wasm::KeepNames::Yes ? " names" : ""));
}

fs::path state_file(const manifest::Manifest& m, const manifest::Component& c) {
  return m.dir / kStateDir / c.id.value / "state.json";
}

// The file's bytes if it still holds exactly what the build state recorded (one read).
std::optional<Bytes> read_if_unchanged(const fs::path& p, const std::string& expected_sha256) {
  if (expected_sha256.empty()) return std::nullopt;
  auto bytes = read_file(p);
  if (!bytes || sha256_hex(*bytes) != expected_sha256) return std::nullopt;
  return std::move(bytes).value();
}

class ComponentBuild {
 public:
  // `toolchain`: pre-compile the artifact to native code with it (BuildOptions::aot).
  ComponentBuild(const manifest::Manifest& m, const manifest::Component& c, const BuildOptions& o,
                 const runtime::aot::Toolchain* toolchain)
      : manifest_(m), component_(c), options_(o), toolchain_(toolchain), profile_(profile_for(c, o)) {
    state_dir_ = m.dir / kStateDir / c.id.value;
    output_ = m.dir / c.source.value;
    report_.id = c.id.value;
    report_.output = c.source.value;
    report_.profile = profile_;
    if (c.max_size) report_.budget = c.max_size->value.bytes;
  }

  Result<ComponentReport> run() {
    if (!component_.build) {
      if (auto st = check_prebuilt(); !st) return std::move(st).error();
    } else {
      if (auto st = compile_and_process(); !st) return std::move(st).error();
    }
    if (auto st = run_checks(); !st) return std::move(st).error();
    if (toolchain_ && report_.ok()) precompile();  // a failed check fails the build anyway
    return std::move(report_);
  }

 private:
  void emit(BuildEvent::Kind kind, std::string step, std::string text = {}) {
    if (options_.on_event) options_.on_event(BuildEvent{kind, component_.id.value, std::move(step), std::move(text)});
  }

  template <class F>
  auto timed(const std::string& step, F&& f) {
    emit(BuildEvent::Kind::StepStarted, step);
    auto start = Clock::now();
    auto result = f();
    last_time_ = Clock::now() - start;
    emit(BuildEvent::Kind::StepFinished, step);
    return result;
  }

  Error located(Error e) const { return std::move(e).context("component '" + component_.id.value + "': "); }

  // A component without [component.build]: its module is checked, never rewritten.
  Status check_prebuilt() {
    report_.recipe = "prebuilt";
    auto bytes = read_file(output_);
    if (!bytes) {
      return located(Error("module " + output_.string() + " does not exist and there is no [component.build] to make it",
                           component_.source.where));
    }
    final_ = std::move(bytes).value();
    if (auto ok = wasm::validate(final_, output_.string(), wasm::runtime_features()); !ok) return std::move(ok).error();
    report_.raw_size = report_.stripped_size = report_.optimized_size = final_.size();
    report_.steps.push_back({"validate", final_.size(), {}, false});
    return {};
  }

  Status compile_and_process() {
    std::error_code ec;
    fs::create_directories(state_dir_, ec);
    if (ec) return Error("cannot create " + state_dir_.string() + ": " + ec.message());
    const fs::path raw_path = state_dir_ / "raw.wasm";
    auto plan = plan_compile(component_, manifest_.folder(), raw_path);
    if (!plan) return std::move(plan).error();
    report_.recipe = plan->label;

    BuildState state = load_state(state_file(manifest_, component_));
    const bool force = options_.rebuild == Rebuild::Always;
    const std::string ckey = compile_key(*plan);

    // 1. compile, unless the same inputs already produced raw.wasm.
    std::optional<Bytes> raw;
    if (!force && state.compile_key == ckey) raw = read_if_unchanged(raw_path, state.raw_sha256);
    if (raw) {
      report_.steps.push_back({"compile", raw->size(), {}, true});
    } else {
      auto st = timed("compile", [&] { return compile(*plan, raw_path); });
      if (!st) return st;
      report_.compiled = true;
      state = BuildState{};
      auto fresh = read_file(raw_path);
      if (!fresh) return std::move(fresh).error();
      raw = std::move(fresh).value();
      report_.steps.push_back({"compile", raw->size(), last_time_, false});
    }
    const std::string raw_sha = sha256_hex(*raw);
    report_.raw_size = raw->size();

    // 2-5. post-process, unless raw.wasm and the options are unchanged and the artifact is intact.
    const std::string pkey = post_key(raw_sha, profile_, options_);
    std::optional<Bytes> intact;
    if (!force && state.post_key == pkey) intact = read_if_unchanged(output_, state.output_sha256);
    if (intact) {
      final_ = std::move(*intact);
      report_.sha256 = state.output_sha256;
      report_.stripped_size = state.stripped_size;
      report_.optimized_size = final_.size();
      report_.up_to_date = !report_.compiled;
      emit(BuildEvent::Kind::Note, "", "up to date");
    } else {
      auto post = post_process_with_events(*raw, raw_path.string());
      if (!post) return std::move(post).error();
      for (auto& s : post->steps) report_.steps.push_back(s);
      report_.stripped_size = post->stripped.size();
      final_ = std::move(post->optimized);
      report_.sha256 = sha256_hex(final_);
      report_.optimized_size = final_.size();
      auto st = timed("write", [&] { return write_file_atomic(output_, final_); });
      if (!st) return st;
      report_.steps.push_back({"write", final_.size(), last_time_, false});
    }

    state.compile_key = ckey;
    state.raw_sha256 = raw_sha;
    state.post_key = pkey;
    state.output_sha256 = report_.sha256;
    state.profile = std::string(manifest::to_string(profile_));
    state.raw_size = report_.raw_size;
    state.stripped_size = report_.stripped_size;
    state.optimized_size = report_.optimized_size;
    return save_state(state_file(manifest_, component_), state);
  }

  Status compile(const CompilePlan& plan, const fs::path& raw_path) {
    std::error_code ec;
    fs::remove(raw_path, ec);  // so a failed compile never leaves an old raw.wasm looking new
    if (plan.wat_source) {
      auto text = read_text_file(*plan.wat_source);
      if (!text) return std::move(text).error();
      auto bytes = wasm::compile_wat(*text, plan.wat_source->lexically_relative(manifest_.folder()).string(),
                                     options_.keep_names);
      if (!bytes) return std::move(bytes).error();
      return write_file_atomic(raw_path, *bytes);
    }
    ProcessSpec spec;
    spec.argv = plan.argv;
    spec.cwd = plan.cwd;
    spec.env_overrides = plan.env;
    spec.on_output = [&](OutputStream s, std::string_view chunk) {
      if (options_.on_event)
        options_.on_event(BuildEvent{BuildEvent::Kind::ToolOutput, component_.id.value, "compile", std::string(chunk), s});
    };
    auto before = fs::last_write_time(output_, ec);
    const bool had_output = !ec;
    auto r = run_process(spec);
    if (!r) return located(std::move(r).error());
    if (r->exit_code != 0) {
      return located(Error(plan.label + " failed (exit code " + std::to_string(r->exit_code) + ")",
                           component_.build->where));
    }
    if (!fs::exists(raw_path, ec) && plan.label == "command") {
      // Spin-style commands write straight to the component's source; take it from there.
      auto after = fs::last_write_time(output_, ec);
      if (!ec && (!had_output || after != before)) {
        fs::copy_file(output_, raw_path, fs::copy_options::overwrite_existing, ec);
        if (ec) return Error("cannot copy " + output_.string() + ": " + ec.message());
      }
    }
    if (!fs::exists(raw_path, ec)) {
      return located(Error(plan.label + " succeeded but wrote no module", component_.build->where)
                         .note(plan.label == "command" ? "a build command must write the module to $EDGECTL_OUTPUT "
                                                         "or to the component's source path"
                                                       : "expected " + raw_path.string()));
    }
    return {};
  }

  Result<PostProcessResult> post_process_with_events(const Bytes& raw, const std::string& filename) {
    const bool optimize = profile_ == BuildProfile::Release;
    const std::string step = optimize ? "optimize" : "strip";
    emit(BuildEvent::Kind::StepStarted, step, optimize ? std::string(wasm::to_string(options_.opt_level)) : "");
    auto r = post_process(raw, filename, optimize ? std::optional(options_.opt_level) : std::nullopt,
                          options_.keep_names);
    emit(BuildEvent::Kind::StepFinished, step);
    if (!r) return located(std::move(r).error());
    return r;
  }

  // Import policy and size budget: reported in the report, not as an Error, so CI sees all.
  // A dev build over budget is a warning: it is not optimized, and it is not what ships.
  Status run_checks() {
    if (report_.sha256.empty()) report_.sha256 = sha256_hex(final_);  // prebuilt modules
    auto start = Clock::now();
    auto info = wasm::inspect(final_, report_.output);
    if (!info) return std::move(info).error();
    // The runtime's own rules: WASI preview1 and the edgectl host API (each import's name
    // and signature against the version the runtime implements), plus host_modules.
    runtime::LoadOptions imports;
    imports.host_modules.insert(component_.host_modules.begin(), component_.host_modules.end());
    if (auto st = runtime::detail::check_imports(*info, imports, report_.output, "runtime"); !st) {
      for (const auto& d : st.error().diagnostics()) report_.failures.push_back({"imports", d});
    }
    if (component_.max_size && final_.size() > component_.max_size->value.bytes) {
      const uint64_t budget = component_.max_size->value.bytes;
      const bool dev = profile_ == BuildProfile::Dev;
      Diagnostic d{dev ? Severity::Warning : Severity::Error,
                   "component '" + component_.id.value + "': " + report_.output + " is " +
                       std::to_string(final_.size()) + " bytes, " + std::to_string(final_.size() - budget) +
                       " bytes over its max_size budget of " + std::to_string(budget) + " bytes" +
                       (dev ? " (dev build)" : ""),
                   component_.max_size->where,
                   {}};
      if (dev) {
        d.notes.push_back("a dev build is not optimized; a release build (`edgectl build`, `edgectl push`) "
                          "over the budget fails");
        report_.warnings.push_back(std::move(d));
      } else {
        report_.failures.push_back({"budget", std::move(d)});
      }
    }
    report_.steps.push_back({"check", 0, Clock::now() - start, false});
    return {};
  }

  // The artifact as native code in the aot cache, so its first run is a cache hit. The
  // artifact is built and checked already: a failure here is a warning, not a failed build.
  void precompile() {
    runtime::aot::CompileOptions co;
    co.name = fs::path(report_.output).filename().string();
    co.validated = true;  // final_ passed wasm::validate with runtime_features() above
    co.on_progress = [&](std::string_view what) { emit(BuildEvent::Kind::Progress, "aot", std::string(what)); };
    auto compiled = timed("aot", [&] { return runtime::aot::compile(final_, *toolchain_, co); });
    if (!compiled) {
      Diagnostic d{Severity::Warning,
                   "component '" + component_.id.value + "': cannot compile " + report_.output +
                       " to native code: " + compiled.error().message(),
                   {},
                   {}};
      for (const auto& e : compiled.error().diagnostics()) d.notes.insert(d.notes.end(), e.notes.begin(), e.notes.end());
      report_.warnings.push_back(std::move(d));
      return;
    }
    report_.aot = AotReport{compiled->cache_hit, compiled->time, compiled->library_bytes,
                            compiled->key,       compiled->flags, compiled->library};
  }

  const manifest::Manifest& manifest_;
  const manifest::Component& component_;
  const BuildOptions& options_;
  const runtime::aot::Toolchain* toolchain_;
  const BuildProfile profile_;
  fs::path state_dir_, output_;
  ComponentReport report_;
  Bytes final_;
  std::chrono::nanoseconds last_time_{0};
};

}  // namespace

bool BuildReport::ok() const {
  for (const auto& c : components)
    if (!c.ok()) return false;
  return true;
}

BuildProfile profile_for(const manifest::Component& component, const BuildOptions& options) {
  if (options.profile) return *options.profile;
  if (component.build && component.build->profile) return component.build->profile->value;
  return options.default_profile;
}

std::optional<BuildProfile> built_profile(const manifest::Manifest& manifest, const manifest::Component& component) {
  if (!component.build) return std::nullopt;
  const BuildState state = load_state(state_file(manifest, component));
  if (!read_if_unchanged(manifest.dir / component.source.value, state.output_sha256)) return std::nullopt;
  return manifest::parse_build_profile(state.profile);
}

Result<PostProcessResult> post_process(std::span<const uint8_t> raw, const std::string& filename,
                                       std::optional<wasm::OptLevel> level, wasm::KeepNames keep_names) {
  PostProcessResult out;
  auto t0 = Clock::now();
  if (auto ok = wasm::validate(raw, filename, wasm::runtime_features()); !ok) return std::move(ok).error();
  auto t1 = Clock::now();
  out.steps.push_back({"validate", raw.size(), t1 - t0, false});
  auto stripped = wasm::strip_custom_sections(raw, filename, keep_names);
  if (!stripped) return std::move(stripped).error();
  out.stripped = std::move(stripped).value();
  auto t2 = Clock::now();
  out.steps.push_back({"strip", out.stripped.size(), t2 - t1, false});
  if (!level) {  // dev: the stripped module is the artifact
    out.optimized = out.stripped;
    return out;
  }
  // The raw bytes were validated above and stripping only drops custom sections, so the
  // stripped bytes need no second wabt pass before binaryen; optimize() still validates its output.
  auto optimized =
      wasm::optimize(out.stripped, filename, {*level, keep_names, 0, wasm::InputCheck::AlreadyValidated});
  if (!optimized) return std::move(optimized).error();
  // The optimizer never makes a module bigger: if binaryen's output is larger, keep the input.
  out.optimized = optimized->size() <= out.stripped.size() ? std::move(optimized).value() : out.stripped;
  out.steps.push_back({"optimize", out.optimized.size(), Clock::now() - t2, false});
  return out;
}

Result<BuildReport> build_app(const manifest::Manifest& manifest, const BuildOptions& options) {
  BuildReport report;
  for (const auto& wanted : options.only_components)
    if (!manifest.find_component(wanted)) return Error("no component '" + wanted + "' in " + manifest.path.string());
  // --aot without wasm2c or a C compiler: the modules are still built, only not pre-compiled.
  std::optional<runtime::aot::Toolchain> toolchain;
  if (options.aot) {
    auto found = runtime::aot::detect_toolchain();
    if (found) {
      toolchain = std::move(found).value();
    } else {
      for (auto d : found.error().diagnostics()) {
        d.severity = Severity::Warning;
        d.message = "not pre-compiling to native code: " + d.message;
        report.warnings.push_back(std::move(d));
      }
    }
  }
  for (const auto& c : manifest.components) {
    if (!options.only_components.empty() &&
        std::find(options.only_components.begin(), options.only_components.end(), c.id.value) ==
            options.only_components.end())
      continue;
    auto r = ComponentBuild(manifest, c, options, toolchain ? &*toolchain : nullptr).run();
    if (!r) return std::move(r).error();
    report.components.push_back(std::move(r).value());
  }
  return report;
}

}  // namespace edgectl::build
