#pragma once
// OCI artifacts for edge functions (issue 7): the app as the CNCF TAG-Runtime Wasm OCI
// artifact — an image manifest whose config is `application/vnd.wasm.config.v0+json` and
// whose layers are each component's module (`application/wasm`) plus the app's
// edgectl.toml (`application/vnd.edgectl.manifest.v1+toml`) — and an OCI image layout on
// disk holding it. Reproducible: the same inputs give the same manifest digest (`created`
// from SOURCE_DATE_EPOCH when set, else the inputs' newest mtime; JSON written with a fixed
// key order and no spaces).
// Then the registry side: references, credentials (docker's config.json and helpers), and
// push/pull over the OCI distribution API (a libcurl client in detail/client.hpp), with a
// content-addressed local store of what was pulled.
#include <cstdint>
#include <filesystem>
#include <functional>
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
// --compat legacy: wasm-to-oci's types, for registries that refuse the CNCF config type.
inline constexpr const char* kLegacyConfigType = "application/vnd.wasm.config.v1+json";
inline constexpr const char* kLegacyLayerType = "application/vnd.wasm.content.layer.v1+wasm";
// Read by pull, to say what they are.
inline constexpr const char* kSpinConfigType = "application/vnd.fermyon.spin.application.v1+config";
inline constexpr const char* kDockerManifestType = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerListType = "application/vnd.docker.distribution.manifest.list.v2+json";

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
  // Seconds since the epoch for `created`; nullopt: SOURCE_DATE_EPOCH if set, else the
  // newest modification time of the modules and the manifest (unchanged files, same digest).
  std::optional<int64_t> created;
  std::string version;   // org.opencontainers.image.version (default: [app] version)
  std::string revision;  // org.opencontainers.image.revision (default: git HEAD, if any)
  std::string source;    // org.opencontainers.image.source (default: git remote origin, if any)
  bool legacy = false;   // wasm-to-oci media types (kLegacyConfigType, kLegacyLayerType)
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

// ---------------------------------------------------------------------------------------
// References: [REGISTRY/]REPOSITORY[:TAG][@sha256:HEX], as docker reads them. A first
// component with a '.' or ':' or "localhost" is a registry; otherwise Docker Hub
// ("docker.io", "library/" before a single name). "oci://" and "docker://" are accepted.

struct Reference {
  std::string registry;    // "ghcr.io", "127.0.0.1:5000", "docker.io"
  std::string repository;  // "acme/hello"
  std::string tag;         // may be empty when `digest` is set
  std::string digest;      // "sha256:<64 hex>" or empty

  std::string name() const { return registry + "/" + repository; }  // without tag or digest
  std::string str() const;          // name[:tag][@digest]
  std::string api_host() const;     // "registry-1.docker.io" for docker.io, else registry
  bool plain_http_allowed() const;  // localhost, 127.0.0.0/8, ::1
};

// Error: what is wrong, e.g. uppercase letters in the repository, a bad tag or digest.
// No tag and no digest gives `default_tag` (empty: leave both empty).
Result<Reference> parse_reference(std::string_view text, std::string_view default_tag = "latest");

// ---------------------------------------------------------------------------------------
// Credentials, found like docker finds them: EDGECTL_REGISTRY_USER/_PASSWORD, then
// credHelpers[registry], then credsStore, then auths[registry] in $DOCKER_CONFIG/config.json
// (default ~/.docker/config.json). Helpers run as `docker-credential-NAME get`.

struct Credentials {
  std::string username;
  std::string password;  // or an identity token when username is "<token>"
};

std::filesystem::path docker_config_path();

// The key docker uses for a registry in config.json ("https://index.docker.io/v1/" for Hub).
std::string credential_key(const std::string& registry);

// nullopt: none configured (anonymous). Error: a broken config.json or a failing helper.
Result<std::optional<Credentials>> find_credentials(const std::string& registry);

// Stores credentials like `docker login`: through the helper when one is configured for the
// registry, else base64 in config.json's auths (written atomically, mode 0600). Returns
// where they went ("config.json at PATH" or "docker-credential-NAME").
Result<std::string> store_credentials(const std::string& registry, const Credentials& credentials);

// Removes them (helper `erase`, or the auths entry). Returns false when there were none.
Result<bool> erase_credentials(const std::string& registry);

// ---------------------------------------------------------------------------------------
// Talking to registries.

struct TransportOptions {
  std::string ca_file;  // PEM bundle to verify the registry's TLS certificate with
  bool insecure = false;  // any registry: TLS without verification, then plain HTTP
  int retries = 4;        // on 429, 5xx and connection errors, with backoff (Retry-After honoured)
  // Explicit credentials (login); nullopt: find_credentials() on the first challenge.
  std::optional<Credentials> credentials;
  std::function<void(const std::string&)> on_notice;  // retries, fallbacks: one line each
};

struct PushOptions {
  TransportOptions transport;
  std::vector<std::string> tags;            // at least one
  uint64_t chunk_size = 8ull << 20;         // blobs larger than this go in PATCH chunks
  // Upload progress over all blobs to send: bytes sent, bytes to send.
  std::function<void(uint64_t, uint64_t)> on_progress;
};

struct PushReport {
  std::string digest;              // the manifest's
  std::vector<std::string> refs;   // name:tag@digest per tag
  uint64_t blobs_uploaded = 0, blobs_skipped = 0;
  uint64_t bytes_uploaded = 0;     // blob bytes sent
  uint64_t chunks = 0;             // PATCH requests
};

// HEAD each blob and upload the missing ones (one PUT up to chunk_size, PATCH chunks above),
// then PUT the manifest once per tag, only after every blob is confirmed. `target` gives the
// registry and repository; its tag (if any) is pushed too.
Result<PushReport> push(const Artifact& artifact, const Reference& target, const PushOptions& options);

// Checks credentials against a registry (the /v2/ ping, and a token when it uses tokens).
Status check_login(const std::string& registry, const TransportOptions& options);

// ---------------------------------------------------------------------------------------
// Pulling, into a content-addressed store: $XDG_CACHE_HOME/edgectl/oci (default
// ~/.cache/edgectl/oci) with blobs/sha256/HEX (every file verified, written atomically),
// refs/REGISTRY/REPOSITORY/TAG (the digest last pulled for a tag) and apps/sha256-HEX (the
// app materialised once per manifest digest).

std::filesystem::path store_root();

enum class PullPolicy { Always, Missing, Never };

struct PullOptions {
  TransportOptions transport;
  PullPolicy policy = PullPolicy::Always;
  bool overwrite = false;  // write into a non-empty output folder (files of the same name replaced)
  std::function<void(uint64_t, uint64_t)> on_progress;  // bytes fetched, bytes to fetch
};

struct PulledApp {
  std::string reference;  // as resolved: name:tag@digest
  std::string digest;     // the image manifest's
  std::filesystem::path dir;  // holds edgectl.toml and the modules
  bool runnable = true;       // false: modules written, but edgectl cannot serve it
  std::string kind;           // "edgectl", "wasm" (one module, no manifest), "spin", ...
  std::vector<std::string> notes;  // what was generated or cannot run, for the user
  std::vector<std::string> files;  // written, relative to dir
  bool from_store = false;         // no registry was asked
  uint64_t bytes_fetched = 0;
};

// Resolves `ref`, fetches the manifest and every blob into the store (verifying digests and
// sizes: a mismatch is an error and nothing is written), and materialises the app in the
// store's apps/ folder. With `output`, the app is also written there: a new folder appears
// whole (renamed from a temporary one); an existing one must be empty unless `overwrite`.
// Nothing is written unless every blob verified.
Result<PulledApp> pull(const Reference& ref, const PullOptions& options,
                       const std::optional<std::filesystem::path>& output = std::nullopt);

}  // namespace edgectl::oci
