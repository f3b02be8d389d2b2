// The OCI image layout on disk (see oci.hpp; image-spec "image-layout.md").
#include <fstream>
#include <nlohmann/json.hpp>

#include "oci/oci.hpp"
#include "util/fs.hpp"

namespace edgectl::oci {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr const char* kLayoutVersion = "1.0.0";
constexpr const char* kRefNameAnnotation = "org.opencontainers.image.ref.name";

Status write_blob(const fs::path& dir, const std::string& digest, const std::string& bytes) {
  const fs::path path = dir / "blobs" / "sha256" / digest.substr(std::string("sha256:").size());
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) == bytes.size()) return {};  // content-addressed
  return write_file_atomic(path, std::string_view(bytes));
}

}  // namespace

Status write_layout(const Artifact& a, const fs::path& dir, const std::string& tag) {
  std::error_code ec;
  fs::create_directories(dir / "blobs" / "sha256", ec);
  if (ec) return Error("cannot create " + dir.string() + ": " + ec.message());
  for (const Blob* b : {&a.config}) if (auto s = write_blob(dir, b->digest, b->bytes); !s) return s;
  for (const auto& l : a.layers) if (auto s = write_blob(dir, l.digest, l.bytes); !s) return s;
  if (auto s = write_blob(dir, a.manifest_digest, a.manifest); !s) return s;
  if (auto s = write_file_atomic(dir / "oci-layout", Json{{"imageLayoutVersion", kLayoutVersion}}.dump()); !s) return s;

  // index.json: keep the other entries, move `tag` to this manifest.
  Json index = {{"schemaVersion", 2}, {"mediaType", kImageIndexType}, {"manifests", Json::array()}};
  if (auto old = read_text_file(dir / "index.json")) {
    Json parsed = Json::parse(*old, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.contains("manifests") || !parsed["manifests"].is_array())
      return Error((dir / "index.json").string() + ": not an OCI image index; not overwriting it");
    for (const auto& m : parsed["manifests"]) {
      const bool same_tag = m.contains("annotations") && m["annotations"].value(kRefNameAnnotation, "") == tag;
      if (!same_tag) index["manifests"].push_back(m);
    }
  }
  Json entry = {{"mediaType", kImageManifestType}, {"digest", a.manifest_digest}, {"size", a.manifest.size()}};
  entry["annotations"] = Json{{kRefNameAnnotation, tag}};
  index["manifests"].push_back(entry);
  return write_file_atomic(dir / "index.json", index.dump(2) + "\n");
}

}  // namespace edgectl::oci
