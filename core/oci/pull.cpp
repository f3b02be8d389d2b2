// Pulling an artifact into the content-addressed store and materialising the app (see
// oci.hpp). Every byte from the registry is checked against the digest and size that
// named it before anything is stored: blobs stream into a temporary file beside their
// final name while being hashed, and are renamed into place only when both match. The app
// folder is assembled in a temporary folder and renamed whole, so a reader (a second
// `edgectl serve`) sees it complete or not at all.
#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>

#include "oci/detail/client.hpp"
#include "oci/oci.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"

namespace edgectl::oci {
namespace {

namespace fs = std::filesystem;
using detail::Client;
using detail::Request;
using Json = nlohmann::json;

constexpr size_t kMaxManifestBytes = 4u << 20;

struct Descriptor {
  std::string media_type;
  std::string digest;
  uint64_t size = 0;
  std::string title;  // org.opencontainers.image.title
};

bool is_wasm_layer(const std::string& t) {
  return t == kWasmLayerType || t == kLegacyLayerType || t == "application/vnd.module.wasm.content.layer.v1+wasm";
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(buf) + "-" + std::to_string(::getpid());
}

fs::path blob_path(const std::string& digest) { return store_root() / "blobs" / "sha256" / digest.substr(7); }

Result<Descriptor> read_descriptor(const Json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string() || !j.contains("size") ||
      !j["size"].is_number_unsigned())
    return Error("the manifest's " + where + " is not a descriptor (mediaType, digest, size)");
  Descriptor d;
  d.media_type = j.value("mediaType", "");
  d.digest = j["digest"].get<std::string>();
  d.size = j["size"].get<uint64_t>();
  if (d.digest.rfind("sha256:", 0) != 0 || d.digest.size() != 71 ||
      d.digest.find_first_not_of("0123456789abcdef", 7) != std::string::npos)
    return Error("the manifest's " + where + " has digest '" + d.digest + "'; only sha256 is supported");
  if (j.contains("annotations") && j["annotations"].is_object())
    d.title = j["annotations"].value("org.opencontainers.image.title", "");
  return d;
}

// A file name from a layer title: no folders, nothing hidden.
std::string safe_name(std::string title, const std::string& fallback) {
  if (auto slash = title.find_last_of('/'); slash != std::string::npos) title = title.substr(slash + 1);
  if (title.empty() || title[0] == '.') return fallback;
  for (char c : title)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return fallback;
  return title;
}

// A component's `source`, which must stay inside the app folder.
Result<fs::path> inside(const std::string& source, const std::string& component) {
  const fs::path p = fs::path(source).lexically_normal();
  if (p.empty() || p.is_absolute() || *p.begin() == "..")
    return Error("component '" + component + "': source '" + source +
                 "' is outside the app's folder; a pulled app cannot write there");
  return p;
}

struct Puller {
  const Reference& ref;
  const PullOptions& options;
  std::unique_ptr<Client> client;
  PulledApp out;
  uint64_t total = 0, done = 0;

  Client& registry() {
    if (!client) client = std::make_unique<Client>(ref.registry, ref.api_host(), ref.plain_http_allowed(), options.transport);
    return *client;
  }
  std::string scope() const { return "repository:" + ref.repository + ":pull"; }

  // GET a manifest by tag or digest; verifies the digest when one is expected.
  Result<std::pair<std::string, std::string>> fetch_manifest(const std::string& tag_or_digest, const std::string& expected) {
    Request req;
    req.target = "/v2/" + ref.repository + "/manifests/" + tag_or_digest;
    req.headers = {std::string("Accept: ") + kImageManifestType + ", " + kImageIndexType + ", " + kDockerManifestType +
                   ", " + kDockerListType};
    req.scope = scope();
    req.max_body = kMaxManifestBytes;
    auto r = registry().send(req);
    if (!r) return std::move(r).error();
    if (r->status != 200) return detail::registry_error("fetching the manifest of " + ref.str(), *r, ref.str());
    const std::string digest = "sha256:" + sha256_hex(std::string_view(r->body));
    if (!expected.empty() && digest != expected)
      return Error("the registry sent a manifest for " + expected + " whose bytes hash to " + digest +
                   ": tampered or corrupted on the way; nothing written");
    const std::string said = r->header("docker-content-digest");
    if (expected.empty() && said.rfind("sha256:", 0) == 0 && said != digest)
      return Error("the registry says the manifest of " + ref.str() + " is " + said + " but its bytes hash to " + digest +
                   ": nothing written");
    std::string type = r->header("content-type");
    Json j = Json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("mediaType") && j["mediaType"].is_string()) type = j["mediaType"].get<std::string>();
    if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
    return std::make_pair(std::move(r->body), type + "\n" + digest);
  }

  // The blob's bytes: from the store when there (re-verified), else from the registry,
  // verified, then stored.
  Result<std::string> blob(const Descriptor& d) {
    const fs::path path = blob_path(d.digest);
    std::error_code ec;
    if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == d.size) {
      auto bytes = read_text_file(path);
      if (bytes && "sha256:" + sha256_hex(std::string_view(*bytes)) == d.digest) return bytes;
      fs::remove(path, ec);  // a damaged store entry: fetch it again
    }
    if (options.policy == PullPolicy::Never)
      return Error("blob " + d.digest + " of " + ref.str() + " is not in the local store (--pull never)");
    fs::create_directories(path.parent_path(), ec);
    const fs::path tmp = path.parent_path() / (".tmp-" + d.digest.substr(7, 16) + "-" + random_suffix());
    std::string bytes;
    bytes.reserve(static_cast<size_t>(std::min<uint64_t>(d.size, 1u << 30)));
    Sha256 hash;
    bool over = false;
    Request req;
    req.target = "/v2/" + ref.repository + "/blobs/" + d.digest;
    req.scope = scope();
    req.follow_redirects = true;
    req.on_data = [&](std::string_view chunk) {
      if (bytes.size() + chunk.size() > d.size) {
        over = true;
        return false;
      }
      bytes.append(chunk);
      if (options.on_progress) options.on_progress(done + bytes.size(), total);
      return true;
    };
    req.on_restart = [&] { bytes.clear(); };
    auto r = registry().send(req);
    if (over)
      return Error("blob " + d.digest + " of " + ref.str() + " is larger than the " + std::to_string(d.size) +
                   " bytes the manifest says: rejected, nothing written");
    if (!r) return std::move(r).error().context("fetching blob " + d.digest + ": ");
    if (r->status != 200) return detail::registry_error("fetching blob " + d.digest, *r, ref.str());
    if (bytes.size() != d.size)
      return Error("blob " + d.digest + " of " + ref.str() + " is truncated: " + std::to_string(bytes.size()) + " of " +
                   std::to_string(d.size) + " bytes: rejected, nothing written");
    hash.update(std::string_view(bytes));
    const std::string got = "sha256:" + hash.hex();
    if (got != d.digest)
      return Error("blob " + d.digest + " of " + ref.str() + " does not match its digest (its bytes hash to " + got +
                   "): tampered or corrupted on the way; rejected, nothing written");
    done += d.size;
    out.bytes_fetched += d.size;
    if (auto s = write_file_atomic(tmp, std::string_view(bytes)); !s) return std::move(s).error();
    fs::rename(tmp, path, ec);
    if (ec) {
      fs::remove(tmp, ec);
      return Error("cannot store blob " + d.digest + " in " + path.parent_path().string() + ": " + ec.message());
    }
    return bytes;
  }
};

fs::path ref_record(const Reference& ref) { return store_root() / "refs" / ref.registry / ref.repository / ref.tag; }

std::string generated_manifest(const std::string& name, const std::string& module) {
  return "# Written by `edgectl pull`: the artifact holds one module and no edgectl.toml, so it\n"
         "# is served on every path.\n"
         "[app]\nname = \"" + name + "\"\n\n"
         "[[component]]\nid = \"" + name + "\"\nsource = \"" + module + "\"\n\n"
         "[[route]]\npath = \"/...\"\ncomponent = \"" + name + "\"\n";
}

std::string app_name(const Reference& ref) {
  std::string last = ref.repository.substr(ref.repository.find_last_of('/') + 1);
  std::string name;
  for (char c : last) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '-';
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) name = "app" + name;
  return name.substr(0, 63);
}

struct Files {
  std::vector<std::pair<std::string, std::string>> list;  // relative path, bytes
  void add(std::string path, std::string bytes) { list.emplace_back(std::move(path), std::move(bytes)); }
};

// Decides what the artifact is and which files make the app.
Result<Files> assemble(const Reference& ref, const std::string& config_type, const std::string& config,
                       const std::vector<Descriptor>& layers, const std::vector<std::string>& contents, PulledApp& out) {
  Files files;
  if (config_type == "application/vnd.oci.image.config.v1+json" || config_type == "application/vnd.docker.container.image.v1+json") {
    Json c = Json::parse(config, nullptr, false);
    const std::string platform = c.is_object() ? c.value("os", "?") + "/" + c.value("architecture", "?") : "?";
    return Error(ref.str() + " is a container image (" + platform +
                 ", filesystem layers), not a Wasm artifact: edgectl runs WebAssembly modules")
        .note("push one with `edgectl push`, or any tool writing the CNCF Wasm OCI artifact format");
  }
  std::optional<size_t> toml;
  std::vector<size_t> modules;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    if (l.media_type == kEdgectlManifestType ||
        (l.title == std::string(manifest::kManifestFileName) && !is_wasm_layer(l.media_type)))
      toml = i;
    else if (is_wasm_layer(l.media_type))
      modules.push_back(i);
    else
      out.notes.push_back("skipped layer " + l.digest.substr(0, 19) + " of type " + l.media_type +
                          (config_type == kSpinConfigType ? " (Spin static files)" : ""));
  }
  auto is_component = [](const std::string& bytes) {
    return bytes.size() >= 8 && bytes.compare(0, 4, std::string("\0asm", 4)) == 0 && bytes[4] == 0x0d;
  };
  auto not_runnable = [&](const std::string& why) {
    out.runnable = false;
    out.notes.push_back(why);
    for (size_t i : modules)
      files.add("modules/" + safe_name(layers[i].title, layers[i].digest.substr(7, 12) + ".wasm"), contents[i]);
    return files;
  };
  if (config_type == kSpinConfigType) {
    out.kind = "spin";
    return not_runnable("a Spin application: edgectl cannot run it (Spin components use the WebAssembly component model "
                        "and Spin's own host interfaces); its " + std::to_string(modules.size()) +
                        " module(s) were written to modules/");
  }
  if (toml) {
    out.kind = "edgectl";
    const std::string& text = contents[*toml];
    auto m = manifest::parse_manifest(text, fs::path(manifest::kManifestFileName));
    if (!m) return std::move(m).error().context("the artifact's edgectl.toml: ");
    files.add(std::string(manifest::kManifestFileName), text);
    std::vector<bool> used(layers.size(), false);
    for (size_t ci = 0; ci < m->components.size(); ++ci) {
      const auto& c = m->components[ci];
      std::optional<size_t> layer;
      for (size_t i : modules)
        if (layers[i].title == c.id.value + ".wasm") layer = i;
      if (!layer && ci < modules.size() && layers[modules[ci]].title.empty()) layer = modules[ci];
      if (!layer) return Error("the artifact has no module for component '" + c.id.value + "' (a layer titled " + c.id.value + ".wasm)");
      auto path = inside(c.source.value, c.id.value);
      if (!path) return std::move(path).error();
      if (is_component(contents[*layer]))
        out.notes.push_back("component '" + c.id.value + "' is a WebAssembly component (component model), which edgectl cannot run");
      files.add(path->string(), contents[*layer]);
      used[*layer] = true;
      if (!c.files.empty())
        out.notes.push_back("component '" + c.id.value + "' mounts files the artifact does not carry; add them to the folder");
    }
    for (const auto& r : m->routes)
      if (r.static_dir) out.notes.push_back("route '" + r.path.value + "' serves the folder '" + r.static_dir->value + "', which the artifact does not carry");
    return files;
  }
  if (modules.size() == 1) {
    out.kind = "wasm";
    const size_t i = modules[0];
    const std::string name = app_name(ref);
    const std::string file = safe_name(layers[i].title, name + ".wasm");
    if (is_component(contents[i]))
      return not_runnable("its module is a WebAssembly component (component model), which edgectl cannot run; written to modules/");
    files.add(file, contents[i]);
    files.add(std::string(manifest::kManifestFileName), generated_manifest(name, file));
    out.notes.push_back("no edgectl.toml in the artifact (a wasm-to-oci style artifact): wrote one that serves " + file +
                        " on every path");
    return files;
  }
  out.kind = "wasm";
  if (modules.empty()) return Error(ref.str() + " has no WebAssembly layer (config type " + config_type + ")");
  return not_runnable("the artifact has " + std::to_string(modules.size()) +
                      " modules and no edgectl.toml saying how to route to them; they were written to modules/");
}

Status write_files(const fs::path& dir, const Files& files) {
  for (const auto& [rel, bytes] : files.list)
    if (auto s = write_file_atomic(dir / rel, std::string_view(bytes)); !s) return s;
  return {};
}

// Checked before anything is fetched: where -o would write.
Status check_output(const fs::path& dir, bool overwrite) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return {};
  if (!fs::is_directory(dir, ec)) return Error(dir.string() + " exists and is not a folder");
  if (!overwrite && !fs::is_empty(dir, ec))
    return Error(dir.string() + " is not empty: pull into a new or empty folder (or --force to replace its files)");
  return {};
}

// The app into `dir`: a new folder is assembled beside it and renamed into place whole.
Status write_output(const fs::path& dir, const Files& files) {
  std::error_code ec;
  if (fs::exists(dir, ec)) return write_files(dir, files);
  const fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  const fs::path staging = parent / (".edgectl-pull-" + random_suffix());
  if (auto s = write_files(staging, files); !s) {
    fs::remove_all(staging, ec);
    return s;
  }
  fs::rename(staging, dir, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    return Error("cannot create " + dir.string() + ": " + ec.message());
  }
  return {};
}

Result<Files> read_app_dir(const fs::path& dir) {
  Files files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string rel = fs::relative(it->path(), dir).string();
    if (rel == ".edgectl-pull.json") continue;
    auto bytes = read_text_file(it->path());
    if (!bytes) return std::move(bytes).error();
    files.add(rel, std::move(bytes).value());
  }
  if (ec) return Error("cannot read " + dir.string() + ": " + ec.message());
  return files;
}

}  // namespace

fs::path store_root() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "edgectl" / "oci";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "edgectl" / "oci";
  return fs::temp_directory_path() / ("edgectl-oci-" + std::to_string(::getuid()));
}

Result<PulledApp> pull(const Reference& ref, const PullOptions& options, const std::optional<fs::path>& output) {
  Puller p{ref, options, nullptr, {}};
  std::error_code ec;
  if (output)
    if (auto s = check_output(*output, options.overwrite); !s) return std::move(s).error();

  // What the store already knows: the digest asked for, or the one last pulled for the tag.
  std::string digest = ref.digest;
  if (digest.empty() && options.policy != PullPolicy::Always) {
    if (auto d = read_text_file(ref_record(ref))) digest = d->substr(0, 71);
  }
  const auto app_dir_of = [](const std::string& d) { return store_root() / "apps" / ("sha256-" + d.substr(7)); };
  if (options.policy != PullPolicy::Always && !digest.empty()) {
    const fs::path dir = app_dir_of(digest);
    auto meta = read_text_file(dir / ".edgectl-pull.json");
    Json j = meta ? Json::parse(*meta, nullptr, false) : Json();
    if (j.is_object()) {
      p.out.digest = digest;
      p.out.reference = ref.name() + (ref.tag.empty() ? "" : ":" + ref.tag) + "@" + digest;
      p.out.dir = dir;
      p.out.from_store = true;
      p.out.runnable = j.value("runnable", true);
      p.out.kind = j.value("kind", "edgectl");
      if (j.contains("notes")) p.out.notes = j["notes"].get<std::vector<std::string>>();
      auto files = read_app_dir(dir);
      if (!files) return std::move(files).error();
      for (const auto& f : files->list) p.out.files.push_back(f.first);
      if (output) {
        if (auto s = write_output(*output, *files); !s) return std::move(s).error();
        p.out.dir = *output;
      }
      return p.out;
    }
  }
  if (options.policy == PullPolicy::Never)
    return Error(ref.str() + " is not in the local store (" + store_root().string() + ") and --pull never was given");

  // The manifest, by digest when we know which one we want.
  auto m = p.fetch_manifest(ref.digest.empty() ? ref.tag : ref.digest, ref.digest);
  if (!m) return std::move(m).error();
  std::string manifest = std::move(m->first);
  std::string type = m->second.substr(0, m->second.find('\n'));
  digest = m->second.substr(m->second.find('\n') + 1);
  Json j = Json::parse(manifest, nullptr, false);
  if (!j.is_object()) return Error("the manifest of " + ref.str() + " is not JSON");
  if (type == kImageIndexType || type == kDockerListType || (j.contains("manifests") && !j.contains("layers"))) {
    // An index: the wasm entry (platform wasm), or the only one.
    const Json& list = j["manifests"];
    if (!list.is_array() || list.empty()) return Error("the index of " + ref.str() + " lists no manifests");
    const Json* pick = list.size() == 1 ? &list[0] : nullptr;
    for (const auto& e : list)
      if (e.contains("platform") && e["platform"].is_object() && e["platform"].value("architecture", "") == "wasm") pick = &e;
    if (!pick) {
      std::string platforms;
      for (const auto& e : list)
        if (e.contains("platform") && e["platform"].is_object())
          platforms += (platforms.empty() ? "" : ", ") + e["platform"].value("os", "?") + "/" + e["platform"].value("architecture", "?");
      return Error(ref.str() + " is an index of " + std::to_string(list.size()) + " platforms (" + platforms +
                   ") with none for wasm");
    }
    auto d = read_descriptor(*pick, "index entry");
    if (!d) return std::move(d).error();
    auto child = p.fetch_manifest(d->digest, d->digest);
    if (!child) return std::move(child).error();
    manifest = std::move(child->first);
    type = child->second.substr(0, child->second.find('\n'));
    digest = d->digest;
    j = Json::parse(manifest, nullptr, false);
    if (!j.is_object()) return Error("the manifest " + digest + " of " + ref.str() + " is not JSON");
  }
  if (!j.contains("config") || !j.contains("layers") || !j["layers"].is_array())
    return Error("the manifest of " + ref.str() + " (" + (type.empty() ? "no media type" : type) +
                 ") is not an image manifest with a config and layers");
  auto config = read_descriptor(j["config"], "config");
  if (!config) return std::move(config).error();
  std::vector<Descriptor> layers;
  for (size_t i = 0; i < j["layers"].size(); ++i) {
    auto d = read_descriptor(j["layers"][i], "layer " + std::to_string(i + 1));
    if (!d) return std::move(d).error();
    layers.push_back(std::move(*d));
  }
  p.out.digest = digest;
  p.out.reference = ref.name() + (ref.tag.empty() ? "" : ":" + ref.tag) + "@" + digest;

  // Every blob, verified, before anything of the app is written.
  p.total = config->size;
  for (const auto& l : layers) p.total += l.size;
  auto config_bytes = p.blob(*config);
  if (!config_bytes) return std::move(config_bytes).error();
  std::vector<std::string> contents;
  for (const auto& l : layers) {
    auto b = p.blob(l);
    if (!b) return std::move(b).error();
    contents.push_back(std::move(*b));
  }
  auto files = assemble(ref, config->media_type, *config_bytes, layers, contents, p.out);
  if (!files) return std::move(files).error();

  // The store: the manifest as a blob, the tag's record, the app folder (renamed whole).
  if (auto s = write_file_atomic(blob_path(digest), std::string_view(manifest)); !s) return std::move(s).error();
  const fs::path dir = app_dir_of(digest);
  if (!fs::exists(dir / ".edgectl-pull.json", ec)) {
    const fs::path staging = store_root() / "apps" / (".tmp-" + random_suffix());
    if (auto s = write_files(staging, *files); !s) {
      fs::remove_all(staging, ec);
      return std::move(s).error();
    }
    Json meta = {{"reference", p.out.reference}, {"digest", digest}, {"kind", p.out.kind},
                 {"runnable", p.out.runnable}, {"notes", p.out.notes}};
    if (auto s = write_file_atomic(staging / ".edgectl-pull.json", meta.dump(2) + "\n"); !s) {
      fs::remove_all(staging, ec);
      return std::move(s).error();
    }
    // Renamed into place whole. Another pull of the same digest may have got there first
    // (its folder is complete: it has the metadata file): keep that one. A folder without
    // the metadata is what an interrupted pull left: replace it.
    fs::rename(staging, dir, ec);
    if (ec) {
      if (!fs::exists(dir / ".edgectl-pull.json")) {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
        fs::rename(staging, dir, ec);
      }
      std::error_code ignored;
      fs::remove_all(staging, ignored);
      if (!fs::exists(dir / ".edgectl-pull.json")) return Error("cannot write " + dir.string() + ": " + ec.message());
    }
  }
  if (!ref.tag.empty()) {
    if (auto s = write_file_atomic(ref_record(ref), digest + "\n"); !s) return std::move(s).error();
  }
  for (const auto& f : files->list) p.out.files.push_back(f.first);
  p.out.dir = dir;
  if (output) {
    if (auto s = write_output(*output, *files); !s) return std::move(s).error();
    p.out.dir = *output;
  }
  return p.out;
}

}  // namespace edgectl::oci
