#pragma once
// OCI artifacts for edge functions (issue 7): the app as the CNCF TAG-Runtime Wasm OCI
// artifact — an image manifest whose config is `application/vnd.wasm.config.v0+json` and
// whose layers are each component's module (`application/wasm`) plus the app's
// edgectl.toml (`application/vnd.edgectl.manifest.v1+toml`) — and an OCI image layout on
// disk holding it. Reproducible: the same inputs give the same manifest digest (`created`
// from SOURCE_DATE_EPOCH when set; JSON written with a fixed key order and no spaces).
// Pushing to and pulling from a registry come later (issue 7 continues).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.hpp"
#include "util/error.hpp"

namespace edgectl::oci {

inline constexpr const char* kImageManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kImageIndexType = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kWasmConfigType = "application/vnd.wasm.config.v0+json";
inline constexpr const char* kWasmLayerType = "application/wasm";
inline constexpr const char* kEdgectlManifestType = "application/vnd.edgectl.manifest.v1+toml";

struct Blob {
  std::string media_type;
  std::string bytes;
  std::string digest;  // "sha256:<hex>"
  std::map<std::string, std::string> annotations;
};

struct Artifact {
  Blob config;
  std::vector<Blob> layers;  // the components' modules in manifest order, then edgectl.toml
  std::string manifest;      // the image manifest's JSON, as stored and pushed
  std::string manifest_digest;
};

struct ArtifactOptions {
  // Seconds since the epoch for `created`; nullopt: SOURCE_DATE_EPOCH if set, else now.
  std::optional<int64_t> created;
  std::string version;   // org.opencontainers.image.version (default: [app] version)
  std::string revision;  // org.opencontainers.image.revision (default: git HEAD, if any)
  std::string source;    // org.opencontainers.image.source (default: git remote origin, if any)
};

// The artifact for a built app: reads each component's module and the manifest file.
// Error: a module that is missing (build first), or SOURCE_DATE_EPOCH not a number.
Result<Artifact> build_artifact(const manifest::Manifest& app, const ArtifactOptions& options);

// "2026-11-22T10:00:00Z" for seconds since the epoch.
std::string rfc3339(int64_t seconds);

// Writes an OCI image layout (oci-layout, index.json, blobs/sha256/...) in `dir`, creating
// it; `tag` names the manifest in index.json (org.opencontainers.image.ref.name). An
// existing layout gets the blobs added and the tag moved; every file is written atomically.
Status write_layout(const Artifact& artifact, const std::filesystem::path& dir, const std::string& tag);

}  // namespace edgectl::oci
