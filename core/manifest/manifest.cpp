// edgectl.toml: toml++ parses the text, one reader per table turns it into typed values
// (read_*.cpp), and the checks that span tables run here. Every problem is collected and
// returned at once, in source order.
#include "manifest/manifest.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <map>
#include <system_error>

#include "manifest/detail/reader.hpp"
#include "manifest/detail/sections.hpp"
#include "manifest/detail/suggest.hpp"
#include "util/fs.hpp"

namespace fs = std::filesystem;

namespace edgectl::manifest {
namespace {

using detail::Context;
using detail::TableReader;

struct LanguageName {
  Language language;
  std::string_view name;
};
constexpr std::array<LanguageName, 6> kLanguages{{
    {Language::C, "c"},
    {Language::Rust, "rust"},
    {Language::Go, "go"},
    {Language::TinyGo, "tinygo"},
    {Language::AssemblyScript, "assemblyscript"},
    {Language::Wat, "wat"},
}};

struct PlatformName {
  Platform platform;
  std::string_view name;
};
constexpr std::array<PlatformName, 2> kPlatforms{{
    {Platform::Cloudflare, "cloudflare"},
    {Platform::Fastly, "fastly"},
}};

struct BuildProfileName {
  BuildProfile profile;
  std::string_view name;
};
constexpr std::array<BuildProfileName, 2> kBuildProfiles{{
    {BuildProfile::Dev, "dev"},
    {BuildProfile::Release, "release"},
}};

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// toml++ stops at the first syntax error and words it "Error while parsing value: could not
// determine value type"; keep its words, say it is TOML syntax, and hint at the usual cause.
Diagnostic syntax_error(const detail::SourceText& source, const toml::parse_error& e) {
  constexpr std::string_view kPrefix = "Error while parsing ", kSeparator = ": ";
  const std::string description(e.description());
  std::string message = "TOML syntax error: " + description;
  if (const size_t colon = description.find(kSeparator);
      description.starts_with(kPrefix) && colon != std::string::npos)
    message = "TOML syntax error in " + description.substr(kPrefix.size(), colon - kPrefix.size()) +
              ": " + description.substr(colon + kSeparator.size());
  std::vector<std::string> notes;
  if (description.find("could not determine value type") != std::string::npos)
    notes.push_back("strings need quotes, e.g. name = \"hello\"");
  return Diagnostic{Severity::Error, std::move(message), source.at(e.source()), std::move(notes)};
}

std::vector<std::string> component_ids(const std::vector<Component>& components) {
  std::vector<std::string> ids;
  for (const auto& c : components)
    if (!c.id.value.empty()) ids.push_back(c.id.value);
  return ids;
}

void check_duplicate_ids(const Context& cx, const std::vector<Component>& components) {
  std::map<std::string, const Component*> first;
  for (const auto& c : components) {
    if (c.id.value.empty()) continue;
    if (auto [it, fresh] = first.emplace(c.id.value, &c); !fresh)
      cx.error(c.id.where, "duplicate component id " + in_quotes(c.id.value),
               {"first used at line " + std::to_string(it->second->id.where.line)});
  }
}

void check_reference(const Context& cx, const Located<std::string>& ref,
                     const std::vector<std::string>& ids) {
  if (std::find(ids.begin(), ids.end(), ref.value) != ids.end()) return;
  std::string note = detail::did_you_mean(ref.value, ids);
  if (note.empty()) note = "components: " + detail::join(ids);
  cx.error(ref.where, "unknown component " + in_quotes(ref.value), {std::move(note)});
}

void check_routes(const Context& cx, const Manifest& m) {
  const auto ids = component_ids(m.components);
  // A component whose id could not be read may be the one a route names: say nothing
  // rather than report a reference that may well be right.
  const bool ids_known = ids.size() == m.components.size();
  std::map<std::string, const Route*> first;
  for (const auto& route : m.routes) {
    if (!route.path.value.empty()) {
      if (auto [it, fresh] = first.emplace(route.path.value, &route); !fresh)
        cx.error(route.path.where, "duplicate route path " + in_quotes(route.path.value),
                 {"first used at line " + std::to_string(it->second->path.where.line)});
    }
    if (route.component && ids_known) check_reference(cx, *route.component, ids);
    if (!route.canary || route.canary->component.value.empty()) continue;
    const auto& canary = route.canary->component;
    if (ids_known) check_reference(cx, canary, ids);
    if (route.component && route.component->value == canary.value)
      cx.error(canary.where, "the canary component is the route's own component",
               {"name the other version, e.g. '" + canary.value + "-v2'"});
  }
}

}  // namespace

namespace detail {
std::vector<std::string> language_names() {
  std::vector<std::string> names;
  for (const auto& l : kLanguages) names.emplace_back(l.name);
  return names;
}
}  // namespace detail

std::string_view to_string(Language lang) {
  for (const auto& l : kLanguages)
    if (l.language == lang) return l.name;
  return "unknown";
}

std::optional<Language> parse_language(std::string_view name) {
  for (const auto& l : kLanguages)
    if (l.name == name) return l.language;
  return std::nullopt;
}

std::string_view to_string(Platform platform) {
  for (const auto& p : kPlatforms)
    if (p.platform == platform) return p.name;
  return "unknown";
}

std::optional<Platform> parse_platform(std::string_view name) {
  for (const auto& p : kPlatforms)
    if (p.name == name) return p.platform;
  return std::nullopt;
}

std::vector<std::string> platform_names() {
  std::vector<std::string> names;
  for (const auto& p : kPlatforms) names.emplace_back(p.name);
  return names;
}

std::string_view to_string(BuildProfile profile) {
  for (const auto& p : kBuildProfiles)
    if (p.profile == profile) return p.name;
  return "unknown";
}

std::optional<BuildProfile> parse_build_profile(std::string_view name) {
  for (const auto& p : kBuildProfiles)
    if (p.name == name) return p.profile;
  return std::nullopt;
}

std::vector<std::string> build_profile_names() {
  std::vector<std::string> names;
  for (const auto& p : kBuildProfiles) names.emplace_back(p.name);
  return names;
}

const Component* Manifest::find_component(std::string_view id) const {
  for (const auto& c : components)
    if (c.id.value == id) return &c;
  return nullptr;
}

Result<Manifest> parse_manifest(std::string_view text, const fs::path& path) {
  Manifest m;
  m.path = path;
  m.dir = path.parent_path();
  const detail::SourceText source(text, path.string());

  toml::table root;
  try {
    // The Debian build of toml++ is compiled with exceptions (only the toml::v3::ex ABI is
    // exported), so syntax errors arrive as toml::parse_error.
    root = toml::parse(text, std::string_view(source.file()));
  } catch (const toml::parse_error& e) {
    return Error(syntax_error(source, e));
  }

  detail::Diagnostics diagnostics;
  const Context cx{source, diagnostics};
  const TableReader top(cx, root, "at the top level", {"app", "component", "route", "serve"});

  if (const auto* app = top.table("app")) {
    m.app = detail::read_app(cx, *app);
  } else if (!top.has("app")) {
    cx.error(FileLocation{source.file()}, "missing [app] table",
             {"add an [app] table with at least name = \"my-app\""});
  }

  for (const auto* t : top.tables("component"))
    m.components.push_back(detail::read_component(cx, *t));
  if (m.components.empty()) {
    if (const auto* list = top.node("component"); list && list->is_array())
      cx.error(cx.at(*list), "no components", {"add a [[component]] table with id and source"});
    else if (!list)
      cx.error(FileLocation{source.file()}, "no components",
               {"add a [[component]] table with id and source"});
  }
  for (const auto* t : top.tables("route")) m.routes.push_back(detail::read_route(cx, *t));
  if (const auto* serve = top.table("serve")) m.serve = detail::read_serve(cx, *serve);

  check_duplicate_ids(cx, m.components);
  check_routes(cx, m);

  if (!diagnostics.empty()) return Error(std::move(diagnostics).take_in_source_order());
  return m;
}

Result<Manifest> load_manifest(const fs::path& path) {
  auto text = read_text_file(path);
  if (!text) return std::move(text).error();
  return parse_manifest(*text, path);
}

Result<fs::path> find_manifest(const fs::path& start) {
  std::error_code ec;
  if (!fs::is_directory(start, ec))
    return Error("cannot look for " + std::string(kManifestFileName) + ": " + start.string() +
                 " is not a folder");
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  if (ec) return Error("cannot resolve " + start.string() + ": " + ec.message());
  if (dir.filename().empty() && dir != dir.root_path()) dir = dir.parent_path();
  // The result is spelt the way `start` was (relative stays relative, "../edgectl.toml"), so
  // diagnostics show the path the user typed rather than an absolute one.
  fs::path spelt = start;
  for (;;) {
    if (fs::is_regular_file(dir / kManifestFileName, ec))
      return (spelt / kManifestFileName).lexically_normal();
    if (dir == dir.root_path() || !dir.has_parent_path()) break;
    dir = dir.parent_path();
    spelt /= "..";
  }
  return Error("no " + std::string(kManifestFileName) + " in " + start.string() +
               " or any folder above it")
      .note("create a project with 'edgectl new TEMPLATE NAME', or run from a project folder");
}

}  // namespace edgectl::manifest
