#pragma once
// edgectl.toml: the app manifest, parsed once into typed structs and validated. Every value
// keeps the place it came from, so that later checks (duplicate routes, an unknown component
// in a route, a budget exceeded) can still point at file:line:col. The reference is
// docs/manifest.md.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"
#include "util/units.hpp"

namespace edgectl::manifest {

// The name every manifest file has; find_manifest() looks for it.
inline constexpr std::string_view kManifestFileName = "edgectl.toml";

// A value with the place in edgectl.toml it was read from.
template <class T>
struct Located {
  T value{};
  TextLocation where;
};

enum class Language { C, Rust, Go, TinyGo, AssemblyScript, Wat };
std::string_view to_string(Language lang);
std::optional<Language> parse_language(std::string_view name);  // "c", "rust", "go", ...

// What a build does after compiling (core/build). `release` optimizes with binaryen and fails
// over the size budget; `dev` skips the optimizer (seconds on a Go module) and only warns.
enum class BuildProfile { Dev, Release };
std::string_view to_string(BuildProfile profile);
std::optional<BuildProfile> parse_build_profile(std::string_view name);  // "dev", "release"
std::vector<std::string> build_profile_names();

struct BuildSpec {
  std::optional<Located<Language>> language;    // a preset recipe ...
  std::optional<Located<std::string>> command;  // ... or a shell command (exactly one of the two)
  // Unset: `edgectl build`'s --profile, else release (`serve --watch`: dev).
  std::optional<Located<BuildProfile>> profile;
  std::string workdir;                          // relative to the manifest folder; "" = that folder
  std::vector<std::string> watch;               // globs of inputs, relative to workdir
  TextLocation where;
};

// A host folder made visible to the guest.
struct FileMount {
  std::string source;       // host path, relative to the manifest folder
  std::string destination;  // guest path, absolute ("/data"); derived for the short form "data"
  bool writable = false;
  TextLocation where;
};

struct ComponentLimits {
  std::optional<Located<ByteSize>> max_memory;
  std::optional<Located<Duration>> timeout;
  std::optional<Located<uint64_t>> fuel;
  std::optional<Located<uint32_t>> max_concurrent;  // serve: instances at once (503 beyond)
};

struct Component {
  Located<std::string> id;      // [a-z0-9][a-z0-9_-]*, at most 63 characters, unique
  Located<std::string> source;  // the built .wasm, relative to the manifest folder
  std::optional<BuildSpec> build;
  std::map<std::string, std::string> env;
  std::vector<std::string> args;
  std::vector<FileMount> files;
  ComponentLimits limits;
  std::optional<Located<ByteSize>> max_size;  // size budget of the built module
  std::vector<std::string> host_modules;      // import modules allowed besides WASI ("edgectl")
  // The host API's capabilities (docs/host-api.md): stores it may open, hosts it may call.
  std::vector<Located<std::string>> key_value_stores;        // names: [a-z0-9][a-z0-9_-]*
  std::vector<Located<std::string>> allowed_outbound_hosts;  // "https://api.example.com", ...
  TextLocation where;                         // the [[component]] header
};

struct CanaryRule {
  Located<std::string> component;
  // Header match "name: value" (case-insensitive name), or a weight in percent, or both
  // (header wins, then weight).
  std::optional<std::string> header_name;   // lowercased
  std::optional<std::string> header_value;  // trimmed, compared as written
  std::optional<Located<double>> weight;    // 0 < weight <= 100
  std::optional<std::string> sticky;        // "cookie:NAME" or "header:NAME" (only with a weight)
  TextLocation where;
};

enum class RouteMatch { Exact, Prefix };

struct Route {
  Located<std::string> path;  // as written: "/hello" (exact) or "/api/..." (prefix)
  std::string prefix;         // the path without "/...": "/api"; "/" for "/..."
  RouteMatch match = RouteMatch::Exact;
  std::optional<Located<std::string>> component;   // a component route ...
  std::optional<Located<std::string>> static_dir;  // ... or a static folder route
  bool websocket = false;
  std::optional<CanaryRule> canary;
  TextLocation where;
};

struct App {
  Located<std::string> name;
  std::optional<Located<std::string>> version;   // an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
  std::optional<Located<std::string>> registry;  // e.g. "ghcr.io/acme/hello" (pushed as :version)
  std::optional<std::string> description;
};

// An edge platform whose published limits `edgectl serve --profile` applies locally
// (core/http/profile.hpp holds the figures).
enum class Platform { Cloudflare, Fastly };
std::string_view to_string(Platform platform);
std::optional<Platform> parse_platform(std::string_view name);  // "cloudflare", "fastly"
std::vector<std::string> platform_names();

// The ranges [serve] accepts; `edgectl serve` checks its flags against the same ones.
// The server counts its timeouts in whole milliseconds.
inline constexpr Duration kMinServeDuration = std::chrono::milliseconds(1);
// A heartbeat faster than this is a busy loop, not a liveness check.
inline constexpr Duration kMinHeartbeat = std::chrono::milliseconds(10);
// A request head must hold a request line and ordinary browser headers; past 1 MiB per
// connection a few thousand connections exhaust memory.
inline constexpr uint64_t kMinHeadBytes = 1024;
inline constexpr uint64_t kMaxHeadBytes = 1024 * 1024;
// Bodies and WebSocket messages are buffered and handed to a 32-bit guest, which can hold
// no more than its 4 GiB address space.
inline constexpr uint64_t kMaxGuestPayloadBytes = 4ull * 1024 * 1024 * 1024;
// Instances of one component at once: beyond, memory (one linear memory each) rather than
// CPU is what runs out.
inline constexpr uint32_t kMaxConcurrentInstances = 100'000;
// Open WebSocket connections: each holds a file descriptor, and no ordinary fd limit
// reaches past a million.
inline constexpr uint64_t kMaxWebSocketConnections = 1'000'000;

// [serve.websocket]: limits of WebSocket routes.
struct WebSocketSettings {
  std::optional<Located<ByteSize>> max_message;
  std::optional<Located<ByteSize>> max_send_queue;
  std::optional<Located<Duration>> ping_interval;
  std::optional<Located<Duration>> pong_timeout;
  std::optional<Located<Duration>> idle_timeout;
  std::optional<Located<uint64_t>> max_connections;
};

// [serve]: the server's limits for `edgectl serve`. Everything is optional; what is unset
// comes from the profile, then the built-in defaults, and the command line overrides all.
struct ServeSettings {
  std::optional<Located<ByteSize>> max_header;
  std::optional<Located<ByteSize>> max_body;
  std::optional<Located<Duration>> header_timeout;
  std::optional<Located<Duration>> idle_timeout;
  std::optional<Located<uint32_t>> max_concurrent;  // per component, unless it sets its own
  std::optional<Located<Duration>> queue_wait;
  std::optional<Located<Platform>> profile;
  WebSocketSettings websocket;
  std::optional<TextLocation> where;  // the [serve] header, when there is one
};

struct Manifest {
  std::filesystem::path path;  // the edgectl.toml read
  std::filesystem::path dir;   // its folder, as spelt (empty for plain "edgectl.toml")
  App app;
  std::vector<Component> components;
  std::vector<Route> routes;
  ServeSettings serve;

  const Component* find_component(std::string_view id) const;
  // The folder relative paths in the manifest are against, never empty: dir, or "." for a
  // manifest found as plain "edgectl.toml". For working directories and path arithmetic.
  std::filesystem::path folder() const { return dir.empty() ? std::filesystem::path(".") : dir; }
};

// Parses manifest text. `path` names the file in diagnostics and sets Manifest::path/dir.
// Every problem found is returned (not just the first), each with file:line:col, the source
// line and, for unknown keys, a "did you mean" note.
Result<Manifest> parse_manifest(std::string_view text, const std::filesystem::path& path);

// Reads and parses a file; the path given is the one diagnostics show.
Result<Manifest> load_manifest(const std::filesystem::path& path);

// Looks for edgectl.toml in the folder `start` and then each parent folder. The path found
// is spelt from `start` ("../edgectl.toml" for a relative start); the Error names `start`.
Result<std::filesystem::path> find_manifest(const std::filesystem::path& start);

}  // namespace edgectl::manifest
