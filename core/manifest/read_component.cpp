// [[component]]: one wasm module, how it is built, and what it may use when it runs.
#include <algorithm>
#include <map>
#include <tuple>

#include "runtime/host/host.hpp"
#include "manifest/detail/sections.hpp"
#include "manifest/detail/suggest.hpp"
#include "manifest/detail/values.hpp"

namespace edgectl::manifest::detail {
namespace {

// 65536 pages of 64 KiB: everything a 32-bit wasm memory can address.
constexpr uint64_t kWasmPageBytes = 64 * 1024;
constexpr uint64_t kMaxWasm32Pages = 65536;
constexpr uint64_t kMaxWasm32MemoryBytes = kWasmPageBytes * kMaxWasm32Pages;

// Import modules the runtime binds besides WASI; core/runtime/host implements them.
std::vector<std::string> known_host_modules() {
  return {"edgectl"};
}
bool is_wasi_module(std::string_view name) {
  return name == "wasi_snapshot_preview1" || name == "wasi_unstable";
}

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

bool before(const TextLocation& a, const TextLocation& b) {
  return std::tie(a.line, a.column) < std::tie(b.line, b.column);
}

BuildSpec read_build(const Context& cx, const toml::table& table) {
  TableReader r(cx, table, "in [component.build]",
                {"language", "command", "workdir", "watch", "profile"});
  BuildSpec build;
  build.where = r.where();
  const std::string languages_note = "languages: " + join(language_names());
  if (auto lang = r.string("language")) {
    if (auto parsed = parse_language(lang->value)) {
      build.language = Located<Language>{*parsed, lang->where};
    } else {
      std::vector<std::string> notes;
      if (auto m = did_you_mean(lang->value, language_names()); !m.empty()) notes.push_back(m);
      notes.push_back(languages_note + "; or set 'command' to build any other way");
      cx.error(lang->where, "unknown language " + in_quotes(lang->value), std::move(notes));
    }
  }
  if (auto command = r.string("command")) {
    if (command->value.find_first_not_of(" \t") == std::string::npos)
      cx.error(command->where, "'command' must not be empty");
    else
      build.command = std::move(*command);
  }
  if (r.has("language") && r.has("command")) {
    // Point at whichever of the two the user wrote second.
    const TextLocation language_at = r.key_at("language"), command_at = r.key_at("command");
    cx.error(before(language_at, command_at) ? command_at : language_at,
             "set either 'language' or 'command' in [component.build], not both");
  } else if (!r.has("language") && !r.has("command")) {
    cx.error(build.where, "[component.build] needs 'language' or 'command'",
             {languages_note + "; 'command' runs a shell command instead"});
  }
  if (auto profile = r.string("profile")) {
    if (auto parsed = parse_build_profile(profile->value)) {
      build.profile = Located<BuildProfile>{*parsed, profile->where};
    } else {
      std::vector<std::string> notes;
      if (auto m = did_you_mean(profile->value, build_profile_names()); !m.empty())
        notes.push_back(m);
      notes.push_back("build profiles: dev (no binaryen optimization, a size budget only warns) "
                      "or release (the default)");
      cx.error(profile->where, "unknown build profile " + in_quotes(profile->value),
               std::move(notes));
    }
  }
  if (auto workdir = r.string("workdir")) build.workdir = std::move(workdir->value);
  if (auto watch = r.strings("watch"))
    for (auto& glob : *watch) build.watch.push_back(std::move(glob.value));
  return build;
}

void read_env(const Context& cx, const toml::table& env, std::map<std::string, std::string>& out) {
  for (const auto& [key, value] : env) {
    if (!is_env_name(key.str()))
      cx.error(cx.at(key), in_quotes(key.str()) + " is not a valid environment variable name",
               {"use letters, digits and '_', not starting with a digit"});
    const std::string label = "env." + std::string(key.str());
    if (const auto* s = value.as_string()) {
      out[std::string(key.str())] = s->get();
      continue;
    }
    std::vector<std::string> notes;
    if (std::string note = quote_it_note(cx, key.str(), value); !note.empty())
      notes.push_back(std::move(note));
    cx.error(cx.at(value),
             in_quotes(label) + ": expected a string, found " + std::string(describe(value.type())),
             std::move(notes));
  }
}

std::optional<FileMount> read_file_mount(const Context& cx, const TableReader& component,
                                         const toml::node& node, size_t index) {
  const TextLocation at = cx.at(node);
  if (const auto* s = node.as_string()) {
    auto destination = short_mount_destination(s->get());
    if (!destination) {
      cx.error(at, destination.error());
      return std::nullopt;
    }
    return FileMount{s->get(), std::move(*destination), false, at};
  }
  const auto* table = node.as_table();
  if (!table) {
    component.type_error("files[" + std::to_string(index) + "]", node,
                         "a folder name or a { source = ..., destination = ... } table");
    return std::nullopt;
  }
  TableReader r(cx, *table, "in a 'files' entry", {"source", "destination", "writable"});
  auto source = r.string("source", Presence::Required);
  auto destination = r.string("destination");
  auto writable = r.boolean("writable");
  if (!source) return std::nullopt;
  if (source->value.empty()) {
    cx.error(source->where, "file mount source must not be empty");
    return std::nullopt;
  }
  FileMount mount{source->value, {}, writable && writable->value, at};
  if (destination) {
    if (auto ok = check_guest_path(destination->value); !ok) {
      cx.error(destination->where, ok.error());
      return std::nullopt;
    }
    mount.destination = destination->value;
  } else if (auto derived = short_mount_destination(source->value)) {
    mount.destination = std::move(*derived);
  } else {
    cx.error(at, "missing required key 'destination' in a 'files' entry",
             {"it may be left out only for a folder inside the project, which then appears at "
              "'/<folder>'"});
    return std::nullopt;
  }
  return mount;
}

void read_files(const Context& cx, const TableReader& r, std::vector<FileMount>& out) {
  const toml::array* files = r.array("files");
  if (!files) return;
  std::map<std::string, TextLocation> seen;  // destination -> first mount
  for (size_t i = 0; i < files->size(); ++i) {
    auto mount = read_file_mount(cx, r, *files->get(i), i);
    if (!mount) continue;
    if (auto [it, fresh] = seen.emplace(mount->destination, mount->where); !fresh) {
      cx.error(mount->where, "guest path " + in_quotes(mount->destination) + " is mounted twice",
               {"first mounted at line " + std::to_string(it->second.line)});
      continue;
    }
    out.push_back(std::move(*mount));
  }
}

void read_host_modules(const Context& cx, const TableReader& r, std::vector<std::string>& out) {
  auto modules = r.strings("host_modules");
  if (!modules) return;
  const auto known = known_host_modules();
  for (auto& m : *modules) {
    if (std::find(known.begin(), known.end(), m.value) != known.end()) {
      out.push_back(std::move(m.value));
      continue;
    }
    std::string note = is_wasi_module(m.value)
                           ? "WASI is always available; list only the extra host modules"
                           : did_you_mean(m.value, known);
    if (note.empty()) note = "known host modules: " + join(known);
    cx.error(m.where, "unknown host module " + in_quotes(m.value), {std::move(note)});
  }
}

}  // namespace

Component read_component(const Context& cx, const toml::table& table) {
  TableReader r(cx, table, "in [[component]]",
                {"id", "source", "build", "args", "env", "files", "max_size", "max_memory",
                 "timeout", "fuel", "max_concurrent", "host_modules", "key_value_stores",
                 "allowed_outbound_hosts"});
  Component c;
  c.where = r.where();
  // An invalid id is still kept: routes naming it should not also be reported as unknown.
  if (auto id = r.string("id", Presence::Required)) {
    if (auto ok = check_id(id->value, "component id"); !ok) cx.error(id->where, ok.error());
    c.id = std::move(*id);
  }
  if (auto source = r.string("source", Presence::Required)) {
    if (source->value.empty())
      cx.error(source->where, "'source' must not be empty",
               {"name the built module, e.g. source = \"app.wasm\""});
    c.source = std::move(*source);
  }

  if (const toml::node* build = r.node("build"); build && !build->is_table()) {
    r.type_error("build", *build, "a table",
                 {"write a [component.build] table with language = \"...\" or command = \"...\""});
  } else if (build) {
    c.build = read_build(cx, *build->as_table());
  }

  if (auto args = r.strings("args"))
    for (auto& a : *args) c.args.push_back(std::move(a.value));
  if (const auto* env = r.table("env")) read_env(cx, *env, c.env);
  read_files(cx, r, c.files);

  c.max_size = r.byte_size("max_size");
  if (auto memory = r.byte_size("max_memory")) {
    if (memory->value.bytes > kMaxWasm32MemoryBytes)
      cx.error(memory->where, "'max_memory' of " + format_byte_size(memory->value) +
                                  " is more than the " +
                                  format_byte_size(ByteSize{kMaxWasm32MemoryBytes}) +
                                  " a 32-bit wasm memory can address");
    else
      c.limits.max_memory = std::move(memory);
  }
  c.limits.timeout = r.duration("timeout");
  if (auto fuel = r.integer("fuel")) {
    if (fuel->value <= 0)
      cx.error(fuel->where,
               "'fuel' must be a positive integer, found " + std::to_string(fuel->value));
    else
      c.limits.fuel = Located<uint64_t>{static_cast<uint64_t>(fuel->value), fuel->where};
  }
  if (auto concurrent = r.integer("max_concurrent")) {
    if (concurrent->value <= 0 || concurrent->value > kMaxConcurrentInstances)
      cx.error(concurrent->where, "'max_concurrent' must be between 1 and " +
                                      std::to_string(kMaxConcurrentInstances) + ", found " +
                                      std::to_string(concurrent->value));
    else
      c.limits.max_concurrent =
          Located<uint32_t>{static_cast<uint32_t>(concurrent->value), concurrent->where};
  }
  read_host_modules(cx, r, c.host_modules);
  if (auto stores = r.strings("key_value_stores")) {
    for (auto& store : *stores) {
      if (auto ok = check_id(store.value, "store name"); !ok) cx.error(store.where, ok.error());
      c.key_value_stores.push_back(std::move(store));
    }
  }
  if (auto hosts = r.strings("allowed_outbound_hosts")) {
    for (auto& h : *hosts) {
      std::string why;
      if (!runtime::host::parse_host_pattern(h.value, &why))
        cx.error(h.where, "allowed_outbound_hosts: " + in_quotes(h.value) + ": " + why,
                 {"e.g. \"https://api.example.com\", \"https://*.example.com:8443\", \"http://127.0.0.1:*\""});
      c.allowed_outbound_hosts.push_back(std::move(h));
    }
  }
  return c;
}

}  // namespace edgectl::manifest::detail
