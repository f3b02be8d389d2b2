#include "serve_target.hpp"

#include <algorithm>

#include "build/build.hpp"
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

Result<Loaded> load_module(const fs::path& module, runtime::Engine& engine,
                           const ServeLoadOptions& o) {
  Loaded out;
  check_module_size(o, "main", module);
  auto app = http::load_module_app(module, engine, o.load);
  if (!app) return std::move(app).error();
  out.app = std::move(app).value();
  out.title = module.filename().string();
  out.watch_dirs.push_back(fs::absolute(module).parent_path());  // a file name: never empty
  return out;
}

}  // namespace

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
    auto report = build::build_app(m, build::BuildOptions{});
    if (!report) return std::move(report).error();
    if (!report->ok())
      return Error("the build's checks failed (run `edgectl build` for the details)");
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
  // A manifest found as "edgectl.toml" has an empty dir: the current folder.
  auto absolute = [](const fs::path& p) {
    return p.empty() ? fs::current_path() : fs::absolute(p);
  };
  out.watch_dirs.push_back(absolute(m.dir));
  for (const auto& c : m.components) {
    out.watch_dirs.push_back(absolute(m.dir / c.source.value).parent_path());
    if (c.build) add_build_watch_dirs(absolute(m.dir), c.build->watch, out.watch_dirs);
  }
  return out;
}

}  // namespace edgectl::cli
