// edgectl push: the app as a Wasm OCI artifact (core/oci), to a registry (REF, default from
// [app] registry and version) or to an OCI image layout (--layout DIR).
#include <chrono>
#include <nlohmann/json.hpp>

#include "build/build.hpp"
#include "oci/oci.hpp"
#include "registry_flags.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "ui/progress.hpp"
#include "util/units.hpp"
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
  std::string compat = "cncf";
  std::string chunk_size = "8MiB";
  bool no_build = false;
  bool json = false;
  RegistryFlags registry;
};

std::string human_bytes(uint64_t n) {
  char buf[32];
  if (n < 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else if (n < (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  else std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1 << 20));
  return buf;
}

int usage(const std::string& message, bool json) { return ui::fail(Error(message), json), kExitUsage; }

int run_push(const Options& o) {
  if (!o.layout.empty() && !o.ref.empty()) return usage("give either a REF or --layout DIR, not both", o.json);
  auto chunk = parse_byte_size(o.chunk_size);
  if (!chunk || chunk->bytes == 0) return usage("--chunk-size '" + o.chunk_size + "': expected a size like 8MiB", o.json);
  auto path = o.manifest.empty() ? manifest::find_manifest(fs::current_path()) : Result<fs::path>(fs::path(o.manifest));
  if (!path) return ui::fail(path.error(), o.json);
  auto m = manifest::load_manifest(*path);
  if (!m) return ui::fail(m.error(), o.json);

  // Where to: REF, else [app] registry; its tag joins --tag; no tag at all: version, else latest.
  oci::Reference target;
  std::vector<std::string> tags;
  if (o.layout.empty()) {
    std::string ref = o.ref;
    if (ref.empty()) {
      if (!m->app.registry)
        return usage("no REF given and " + m->path.string() +
                         " has no [app] registry; e.g. `edgectl push ghcr.io/acme/" + m->app.name.value + ":1.0`",
                     o.json);
      ref = m->app.registry->value;
    }
    auto parsed = oci::parse_reference(ref, "");
    if (!parsed) return ui::fail(parsed.error(), o.json), kExitUsage;
    if (!parsed->digest.empty()) return usage("push to a tag, not a digest ('" + ref + "')", o.json);
    target = *parsed;
    if (!target.tag.empty()) tags.push_back(target.tag);
  }
  for (const auto& t : o.tags) {
    auto check = oci::parse_reference("x:" + t, "");
    if (!check || check->tag != t) return usage("--tag '" + t + "' is not a valid tag", o.json);
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  }
  if (tags.empty()) tags.push_back(m->app.version ? m->app.version->value : "latest");

  // What is published is a release build: built here with that profile whatever the manifest
  // says, or, with --no-build, never a module the build state records as a dev build. A
  // module changed since its build (or built some other way) is published as "unknown".
  std::string profile = "release";
  if (!o.no_build) {
    build::BuildOptions release;
    release.profile = build::BuildProfile::Release;
    auto report = build::build_app(*m, release);
    if (!report) return ui::fail(report.error(), o.json);
    if (!report->ok())
      return ui::fail(Error("the build's checks failed (run `edgectl build --profile release` for the details)"),
                      o.json);
  } else {
    for (const auto& c : m->components) {
      const auto built = build::built_profile(*m, c);
      if (c.build && !built) profile = "unknown";
      if (built != build::BuildProfile::Dev) continue;
      return ui::fail(Error("component '" + c.id.value + "': " + (m->dir / c.source.value).string() +
                            " is a dev build (not optimized); push publishes release builds",
                            c.source.where)
                          .note("push without --no-build to build it with the release profile, or run "
                                "`edgectl build --profile release` first"),
                      o.json);
    }
  }
  oci::ArtifactOptions artifact_options;
  artifact_options.legacy = o.compat == "legacy";
  auto artifact = oci::build_artifact(*m, artifact_options);
  if (!artifact) return ui::fail(artifact.error(), o.json);

  if (!o.layout.empty()) {
    for (const auto& tag : tags)
      if (auto s = oci::write_layout(*artifact, o.layout, tag); !s) return ui::fail(s.error(), o.json);
    if (o.json) {
      ui::print_json({{"ok", true},
                      {"layout", o.layout},
                      {"digest", artifact->manifest_digest},
                      {"tags", tags},
                      {"profile", profile}});
    } else {
      std::fprintf(stderr, "wrote the OCI layout %s (profile %s)\n", o.layout.c_str(), profile.c_str());
      for (const auto& tag : tags)
        std::printf("oci:%s:%s@%s\n", o.layout.c_str(), tag.c_str(), artifact->manifest_digest.c_str());
    }
    return kExitOk;
  }

  oci::PushOptions push_options;
  push_options.transport = transport_options(o.registry, false);
  push_options.tags = tags;
  push_options.chunk_size = chunk->bytes;
  ui::ProgressBar bar("pushing " + target.name());
  if (!o.json) push_options.on_progress = [&bar](uint64_t done, uint64_t total) { bar.update(done, total); };
  const auto started = std::chrono::steady_clock::now();
  auto report = oci::push(*artifact, target, push_options);
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!report) return ui::fail(report.error(), o.json);
  if (o.json) {
    ui::print_json({{"ok", true},
                    {"repository", target.name()},
                    {"digest", report->digest},
                    {"profile", profile},
                    {"tags", tags},
                    {"refs", report->refs},
                    {"blobs_uploaded", report->blobs_uploaded},
                    {"blobs_skipped", report->blobs_skipped},
                    {"bytes_uploaded", report->bytes_uploaded},
                    {"chunks", report->chunks},
                    {"seconds", seconds}});
    return kExitOk;
  }
  std::fprintf(stderr, "pushed %llu blob%s (%s), %llu already there, in %.2f s (profile %s)\n",
               static_cast<unsigned long long>(report->blobs_uploaded), report->blobs_uploaded == 1 ? "" : "s",
               human_bytes(report->bytes_uploaded).c_str(),
               static_cast<unsigned long long>(report->blobs_skipped), seconds, profile.c_str());
  for (const auto& r : report->refs) std::printf("%s\n", r.c_str());
  return kExitOk;
}

}  // namespace

void add_push(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("push", "Publish the app as a Wasm OCI artifact to a registry (or an OCI layout)");
  cmd->add_option("REF", o->ref, "Registry/repository[:tag] (default: [app] registry in the manifest)")->type_name("");
  cmd->add_option("-f,--file", o->manifest, "The manifest (default: edgectl.toml here or in a parent folder)")
      ->type_name("PATH");
  cmd->add_option("--tag", o->tags, "Also push as this tag (repeatable; default: [app] version, else latest)")
      ->type_name("TAG");
  cmd->add_option("--layout", o->layout, "Write an OCI image layout in DIR instead (readable by `skopeo inspect oci:DIR`)")
      ->type_name("DIR");
  cmd->add_option("--compat", o->compat,
                  "Media types: cncf (application/wasm, the CNCF Wasm artifact) or legacy "
                  "(application/vnd.wasm.content.layer.v1+wasm, for registries refusing the CNCF config)")
      ->type_name("cncf|legacy")
      ->check(CLI::IsMember({"cncf", "legacy"}))
      ->default_str("cncf");
  cmd->add_option("--chunk-size", o->chunk_size, "Blobs larger than this are uploaded in PATCH chunks of this size")
      ->type_name("SIZE")
      ->default_str("8MiB");
  cmd->add_flag("--no-build", o->no_build,
                "Do not build first: publish the modules as they are (never a dev build: see `build --profile`)");
  cmd->add_flag("--json", o->json, "Print the result as JSON (for CI)");
  add_registry_flags(cmd, o->registry);
  cmd->footer(
      "Blobs the registry has are not sent again (HEAD first); the manifest is pushed last, once\n"
      "per tag, and only after every blob is confirmed. Prints REF@sha256:... per tag.\n"
      "Credentials: `edgectl login`, docker's config.json and credential helpers, or\n"
      "EDGECTL_REGISTRY_USER / EDGECTL_REGISTRY_PASSWORD. Plain HTTP only for localhost and\n"
      "127.0.0.1 (or --insecure). The same inputs give the same digest (created from\n"
      "SOURCE_DATE_EPOCH when set).\n\n"
      "Examples:\n"
      "  edgectl push ghcr.io/acme/hello:1.0 --tag latest\n"
      "  edgectl push                        # to [app] registry, tagged [app] version\n"
      "  edgectl push 127.0.0.1:5000/hello --json\n"
      "  edgectl push --layout out/          # then: skopeo inspect oci:out:0.1.0");
  cmd->callback([o, &exit_code] { exit_code = run_push(*o); });
}

}  // namespace edgectl::cli
