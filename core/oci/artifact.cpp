// Building the Wasm OCI artifact (see oci.hpp).
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "oci/oci.hpp"
#include "util/fs.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"

namespace edgectl::oci {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

Blob make_blob(std::string media_type, std::string bytes) {
  Blob b;
  b.media_type = std::move(media_type);
  b.digest = "sha256:" + sha256_hex(std::string_view(bytes));
  b.bytes = std::move(bytes);
  return b;
}

Json descriptor(const Blob& b) {
  Json d = {{"mediaType", b.media_type}, {"digest", b.digest}, {"size", b.bytes.size()}};
  if (!b.annotations.empty()) d["annotations"] = b.annotations;
  return d;
}

// The first line of a git command's output in `dir`, or "" (not a repository, no git).
std::string git(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir.empty() ? std::string(".") : dir.string()});
  auto out = capture_output(args);
  if (!out) return "";
  std::string line = out->substr(0, out->find('\n'));
  while (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The newest modification time of the files that make the artifact: pushing unchanged
// files again gives the same digest without SOURCE_DATE_EPOCH.
int64_t newest_mtime(const manifest::Manifest& app) {
  int64_t newest = 0;
  std::vector<fs::path> files = {app.path};
  for (const auto& c : app.components) files.push_back(app.dir / c.source.value);
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) == 0) newest = std::max<int64_t>(newest, st.st_mtime);
  }
  return newest > 0 ? newest : static_cast<int64_t>(std::time(nullptr));
}

Result<int64_t> created_time(const ArtifactOptions& o, const manifest::Manifest& app) {
  if (o.created) return *o.created;
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char* end = nullptr;
    const long long v = std::strtoll(epoch, &end, 10);
    if (*end || v < 0) return Error("SOURCE_DATE_EPOCH='" + std::string(epoch) + "': expected seconds since 1970");
    return static_cast<int64_t>(v);
  }
  return newest_mtime(app);
}

}  // namespace

std::string rfc3339(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<Artifact> build_artifact(const manifest::Manifest& app, const ArtifactOptions& options) {
  auto created = created_time(options, app);
  if (!created) return std::move(created).error();
  const std::string when = rfc3339(*created);

  Artifact a;
  for (const auto& c : app.components) {
    const fs::path module = app.dir / c.source.value;
    auto bytes = read_text_file(module);
    if (!bytes)
      return Error("component '" + c.id.value + "': cannot read its module " + module.string() +
                   " (run `edgectl build` first)");
    Blob layer = make_blob(options.legacy ? kLegacyLayerType : kWasmLayerType, std::move(bytes).value());
    layer.annotations["org.opencontainers.image.title"] = c.id.value + ".wasm";
    a.layers.push_back(std::move(layer));
  }
  auto toml = read_text_file(app.path);
  if (!toml) return std::move(toml).error();
  Blob manifest_layer = make_blob(kEdgectlManifestType, std::move(toml).value());
  manifest_layer.annotations["org.opencontainers.image.title"] = std::string(manifest::kManifestFileName);
  a.layers.push_back(std::move(manifest_layer));

  // The CNCF Wasm config: the layers' digests in manifest order.
  Json config = {{"created", when}, {"architecture", "wasm"}, {"os", "wasip1"}};
  config["layerDigests"] = Json::array();
  for (const auto& l : a.layers) config["layerDigests"].push_back(l.digest);
  a.config = make_blob(options.legacy ? kLegacyConfigType : kWasmConfigType, config.dump());

  const std::string version = !options.version.empty() ? options.version
                              : app.app.version      ? app.app.version->value
                                                     : std::string();
  const std::string revision = !options.revision.empty() ? options.revision : git(app.dir, {"rev-parse", "HEAD"});
  const std::string source = !options.source.empty() ? options.source : git(app.dir, {"config", "--get", "remote.origin.url"});
  Json annotations = {{"org.opencontainers.image.created", when}, {"org.opencontainers.image.title", app.app.name.value}};
  if (!version.empty()) annotations["org.opencontainers.image.version"] = version;
  if (!revision.empty()) annotations["org.opencontainers.image.revision"] = revision;
  if (!source.empty()) annotations["org.opencontainers.image.source"] = source;

  Json m = {{"schemaVersion", 2}, {"mediaType", kImageManifestType}, {"config", descriptor(a.config)}};
  m["layers"] = Json::array();
  for (const auto& l : a.layers) m["layers"].push_back(descriptor(l));
  m["annotations"] = annotations;
  a.manifest = m.dump();
  a.manifest_digest = "sha256:" + sha256_hex(std::string_view(a.manifest));
  return a;
}

}  // namespace edgectl::oci
