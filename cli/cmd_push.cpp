// edgectl push: the app as a Wasm OCI artifact (core/oci). This part writes an OCI image
// layout (--layout DIR); pushing to a registry comes with the rest of issue 7.
#include <nlohmann/json.hpp>

#include "build/build.hpp"
#include "oci/oci.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

struct Options {
  std::string ref;
  std::string manifest;
  std::string layout;
  std::vector<std::string> tags;
  bool no_build = false;
  bool json = false;
};

int run_push(const Options& o) {
  if (o.layout.empty())
    return ui::fail(Error("pushing to a registry is not there yet; write an OCI image layout with --layout DIR"),
                    o.json),
           kExitUsage;
  auto path = o.manifest.empty() ? manifest::find_manifest(fs::current_path()) : Result<fs::path>(fs::path(o.manifest));
  if (!path) return ui::fail(path.error(), o.json);
  auto m = manifest::load_manifest(*path);
  if (!m) return ui::fail(m.error(), o.json);
  if (!o.no_build) {
    auto report = build::build_app(*m, build::BuildOptions{});
    if (!report) return ui::fail(report.error(), o.json);
    if (!report->ok()) return ui::fail(Error("the build's checks failed (run `edgectl build` for the details)"), o.json);
  }
  auto artifact = oci::build_artifact(*m, {});
  if (!artifact) return ui::fail(artifact.error(), o.json);
  std::vector<std::string> tags = o.tags;
  if (tags.empty()) tags.push_back(m->app.version ? m->app.version->value : "latest");
  for (const auto& tag : tags)
    if (auto s = oci::write_layout(*artifact, o.layout, tag); !s) return ui::fail(s.error(), o.json);
  if (o.json) {
    nlohmann::json j = {{"ok", true}, {"layout", o.layout}, {"digest", artifact->manifest_digest}, {"tags", tags}};
    ui::print_json(j);
  } else {
    for (const auto& tag : tags) std::printf("oci:%s:%s@%s\n", o.layout.c_str(), tag.c_str(), artifact->manifest_digest.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_push(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("push", "Publish the app as a Wasm OCI artifact (today: to an OCI image layout)");
  cmd->add_option("-f,--file", o->manifest, "The manifest (default: edgectl.toml here or in a parent folder)")
      ->type_name("PATH");
  cmd->add_option("--layout", o->layout, "Write an OCI image layout in DIR (readable by `skopeo inspect oci:DIR`)")
      ->type_name("DIR");
  cmd->add_option("--tag", o->tags, "Tag (repeatable; default: [app] version, else latest)")->type_name("TAG");
  cmd->add_flag("--no-build", o->no_build, "Do not build first: publish the modules as they are");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  cmd->footer(
      "The artifact follows the CNCF TAG-Runtime Wasm OCI format: one application/wasm layer per\n"
      "component and the edgectl.toml as a layer; the same inputs give the same digest (created\n"
      "from SOURCE_DATE_EPOCH when set).\n\n"
      "Examples:\n"
      "  edgectl push --layout out/          # then: skopeo inspect oci:out:0.1.0\n"
      "  SOURCE_DATE_EPOCH=0 edgectl push --layout out/ --tag ci --tag latest");
  cmd->callback([o, &exit_code] { exit_code = run_push(*o); });
}

}  // namespace edgectl::cli
