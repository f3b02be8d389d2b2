// edgectl pull: an app from a registry into the local store (and a folder with -o).
#include <nlohmann/json.hpp>

#include "oci/oci.hpp"
#include "registry_flags.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "ui/progress.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

struct Options {
  std::string ref;
  std::string output;
  std::string pull = "always";
  bool json = false;
  bool force = false;
  RegistryFlags registry;
};

int run_pull(const Options& o) {
  auto ref = oci::parse_reference(o.ref);
  if (!ref) return ui::fail(ref.error(), o.json), 2;
  oci::PullOptions options;
  if (!parse_pull_policy(o.pull, options.policy)) return ui::fail(Error("--pull: always, missing or never"), o.json), 2;
  options.transport = transport_options(o.registry, false);
  options.overwrite = o.force;
  ui::ProgressBar bar("pulling " + ref->name());
  if (!o.json) options.on_progress = [&bar](uint64_t done, uint64_t total) { bar.update(done, total); };
  std::optional<std::filesystem::path> output;
  if (!o.output.empty()) output = std::filesystem::path(o.output);
  auto pulled = oci::pull(*ref, options, output);
  bar.finish();
  if (!pulled) return ui::fail(pulled.error(), o.json);
  if (o.json) {
    ui::print_json({{"ok", true},
                    {"reference", pulled->reference},
                    {"digest", pulled->digest},
                    {"dir", pulled->dir.string()},
                    {"kind", pulled->kind},
                    {"runnable", pulled->runnable},
                    {"files", pulled->files},
                    {"notes", pulled->notes},
                    {"from_store", pulled->from_store},
                    {"bytes_fetched", pulled->bytes_fetched}});
    return 0;
  }
  for (const auto& n : pulled->notes) ui::print_warning(n);
  std::fprintf(stderr, "%s %zu file%s in %s\n", pulled->from_store ? "from the store:" : "pulled:", pulled->files.size(),
               pulled->files.size() == 1 ? "" : "s", pulled->dir.string().c_str());
  std::printf("%s\n", pulled->reference.c_str());
  return 0;
}

}  // namespace

void add_pull(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("pull", "Fetch an app from a registry into the local store (and a folder with -o)");
  cmd->add_option("REF", o->ref, "Registry/repository[:tag][@sha256:...]")->required()->type_name("");
  cmd->add_option("-o,--output", o->output, "Also write the app (edgectl.toml and modules) into DIR")->type_name("DIR");
  cmd->add_option("--pull", o->pull, "always: ask the registry; missing: use the store when it has the tag; never: store only")
      ->type_name("always|missing|never")
      ->default_str("always");
  cmd->add_flag("--force", o->force, "Write into a non-empty -o folder, replacing files of the same name");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  add_registry_flags(cmd, o->registry);
  cmd->footer(
      "Every blob's digest and size are verified before anything is written; a tampered or\n"
      "truncated blob fails the pull. The store is $XDG_CACHE_HOME/edgectl/oci (default\n"
      "~/.cache/edgectl/oci). Reads the CNCF Wasm artifact, the legacy wasm-to-oci types and\n"
      "Spin's (whose apps it says it cannot run).\n\n"
      "Examples:\n"
      "  edgectl pull ghcr.io/acme/hello:1.0 -o hello/\n"
      "  edgectl pull 127.0.0.1:5000/hello@sha256:4f2c... --json\n"
      "  edgectl serve ghcr.io/acme/hello:1.0     # pulls, then serves");
  cmd->callback([o, &exit_code] { exit_code = run_pull(*o); });
}

}  // namespace edgectl::cli
