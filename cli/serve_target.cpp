#include "serve_target.hpp"

#include <algorithm>

#include "build/build.hpp"
#include "build/recipes.hpp"
#include "util/glob.hpp"
#include "util/units.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::cli {
namespace {

namespace fs = std::filesystem;

bool is_module_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && (p.extension() == ".wasm" || p.extension() == ".wat");
}

// A module larger than the profile's platform accepts is a warning, not an error: serving it
// here is still useful, and the warning says what deploying it would run into.
void check_module_size(const ServeLoadOptions& o, std::string_view component,
                       const fs::path& path) {
  if (!o.profile || !o.on_warning) return;
  auto bytes = wasm::read_module(path);
  if (!bytes) return;  // loading it reports why
  if (auto warning = http::check_module_size(component, *bytes, *o.profile)) o.on_warning(*warning);
}

// The folders holding a build's inputs: each watch glob's fixed leading part, walked.
void add_build_watch_dirs(const fs::path& workdir, const std::vector<std::string>& globs,
                          std::vector<fs::path>& out) {
  std::error_code ec;
  for (const auto& glob : globs) {
    fs::path fixed;
    for (const auto& part : fs::path(glob)) {
      if (part.string().find_first_of("*?[") != std::string::npos) break;
      fixed /= part;
    }
    fs::path root = workdir / fixed;
    if (!fs::is_directory(root, ec)) root = root.parent_path();
    if (!fs::is_directory(root, ec)) continue;
    out.push_back(root);
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_directory(ec) && it->path().filename() != ".edgectl") out.push_back(it->path());
  }
}

// Editors' and tools' temporary files: hidden (".main.c.swp", ".NAME.wasm.tmp-*",
// emacs' ".#main.c"), "#main.c#", "main.c~", JetBrains' "main.c___jb_tmp___", and vim's
// probe file "4913".
bool is_temporary_name(const std::string& name) {
  return name.empty() || name.front() == '.' || name.front() == '#' || name.back() == '~' ||
         name.find("___jb_") != std::string::npos || name == "4913";
}

void record_module(WatchInputs& w, const fs::path& module) {
  std::error_code ec;
  const fs::path path = fs::absolute(module).lexically_normal();
  w.modules[path] = fs::last_write_time(path, ec);
}

Result<Loaded> load_module(const fs::path& module, runtime::Engine& engine,
                           const ServeLoadOptions& o) {
  Loaded out;
  check_module_size(o, "main", module);
  auto app = http::load_module_app(module, engine, o.load);
  if (!app) return std::move(app).error();
  out.app = std::move(app).value();
  out.title = module.filename().string();
  out.watch.dirs.push_back(fs::absolute(module).parent_path());  // a file name: never empty
  record_module(out.watch, module);
  return out;
}

// Building the manifest's components for serve: the toolchain's output is kept (its last
// kToolOutputBytes) and attached to a failed build's error, as `edgectl build` would show it.
// What was rebuilt is a notice naming its profile; a dev build over budget, a warning.
Result<void> build_for_serve(const manifest::Manifest& m, const ServeLoadOptions& o) {
  constexpr size_t kToolOutputBytes = 16 * 1024;
  std::string output;
  build::BuildOptions options;
  options.default_profile = o.build_profile;
  options.on_event = [&](const build::BuildEvent& e) {
    if (e.kind != build::BuildEvent::Kind::ToolOutput) return;
    output += e.text;
    if (output.size() > kToolOutputBytes) output.erase(0, output.size() - kToolOutputBytes);
  };
  auto report = build::build_app(m, options);
  if (!report) {
    Error e = std::move(report).error();
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    if (!output.empty()) e.note("the toolchain said:\n" + output);
    return e;
  }
  if (!report->ok()) return Error("the build's checks failed (run `edgectl build` for the details)");
  for (const auto& c : report->components) {
    if (!c.up_to_date && c.recipe != "prebuilt" && o.load.on_notice)
      o.load.on_notice("built " + c.id + " with the " + std::string(manifest::to_string(c.profile)) +
                       " profile (" + human_bytes(c.optimized_size) +
                       (c.profile == build::BuildProfile::Dev ? ", not optimized)" : ")"));
    if (o.on_warning)
      for (const auto& w : c.warnings) o.on_warning(w.message);
  }
  return {};
}

// Without a build, every component's module must exist already.
Result<void> check_built(const manifest::Manifest& m) {
  std::error_code ec;
  for (const auto& c : m.components) {
    const fs::path module = m.dir / c.source.value;
    if (fs::exists(module, ec)) continue;
    Error e("component '" + c.id.value + "': its module " + module.string() + " does not exist", c.source.where);
    if (c.build) e.note("run `edgectl build` to make it, or `edgectl serve --watch` to build it and serve");
    else e.note("it has no [component.build]: put the module there, or add a recipe");
    return e;
  }
  return {};
}

}  // namespace

bool WatchInputs::relevant(const fs::path& changed) const {
  const fs::path p = fs::absolute(changed).lexically_normal();
  if (!manifest.empty() && p == manifest) return true;
  if (auto it = modules.find(p); it != modules.end()) {
    std::error_code ec;
    return fs::last_write_time(p, ec) != it->second;  // written by this load's own build: no
  }
  if (is_temporary_name(p.filename().string())) return false;
  for (const auto& [workdir, patterns] : globs) {
    const std::string rel = p.lexically_relative(workdir).generic_string();
    if (rel.empty() || rel.starts_with("..") || rel.starts_with(".edgectl/")) continue;
    for (const auto& pattern : patterns)
      if (glob_match(pattern, rel)) return true;
  }
  return false;
}

Result<ServeTarget> read_target(const fs::path& target) {
  ServeTarget out;
  if (is_module_file(target)) {
    out.module = target;
    return out;
  }
  std::error_code ec;
  auto path =
      fs::is_regular_file(target, ec) ? Result<fs::path>(target) : manifest::find_manifest(target);
  if (!path) return std::move(path).error();
  auto m = manifest::load_manifest(*path);
  if (!m) return std::move(m).error();
  out.manifest = std::move(m).value();
  return out;
}

Result<Loaded> load_target(ServeTarget target, runtime::Engine& engine, const ServeLoadOptions& o,
                           bool build) {
  if (!target.manifest) return load_module(target.module, engine, o);
  manifest::Manifest& m = *target.manifest;
  const bool has_recipes = std::any_of(m.components.begin(), m.components.end(),
                                       [](const auto& c) { return c.build.has_value(); });
  if (build && has_recipes) {
    if (auto built = build_for_serve(m, o); !built) return std::move(built).error();
  } else if (auto built = check_built(m); !built) {
    return std::move(built).error();
  }
  if (o.profile)
    for (const auto& note : http::cap_component_limits(m, *o.profile))
      if (o.load.on_notice) o.load.on_notice(note);
  for (const auto& c : m.components) check_module_size(o, c.id.value, m.dir / c.source.value);

  Loaded out;
  auto app = http::load_app(m, engine, o.load);
  if (!app) return std::move(app).error();
  out.app = std::move(app).value();
  // [serve]'s max_concurrent, read afresh on each reload, for components without their own.
  if (m.serve.max_concurrent && !o.concurrency_from_command_line)
    for (auto& c : out.app.components)
      if (!c.max_concurrent) c.max_concurrent = m.serve.max_concurrent->value;
  out.title = m.app.name.value;
  const fs::path dir = fs::absolute(m.folder()).lexically_normal();
  out.watch.manifest = fs::absolute(m.path).lexically_normal();
  out.watch.dirs.push_back(dir);
  for (const auto& c : m.components) {
    out.watch.dirs.push_back((dir / c.source.value).lexically_normal().parent_path());
    record_module(out.watch, dir / c.source.value);
    if (!c.build) continue;
    const fs::path workdir = (dir / c.build->workdir).lexically_normal();
    std::vector<std::string> globs = c.build->watch;
    if (globs.empty() && c.build->language) globs = build::default_watch(c.build->language->value);
    add_build_watch_dirs(workdir, globs, out.watch.dirs);
    out.watch.globs.emplace_back(workdir, std::move(globs));
  }
  return out;
}

}  // namespace edgectl::cli
