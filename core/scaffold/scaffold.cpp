#include "scaffold/scaffold.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "scaffold/embedded.hpp"
#include "util/fs.hpp"

namespace fs = std::filesystem;

namespace edgectl::scaffold {
namespace {

// Describes a template; lives in the template folder but is not copied into projects.
constexpr std::string_view kTemplateInfoFile = "template.toml";
constexpr std::string_view kNamePlaceholder = "{{name}}";
// The app name becomes the component id and the .wasm file name, and may end up in a
// hostname: the DNS label limit.
constexpr size_t kMaxAppNameLength = 63;
// Suggest a template within this many single-character edits of a mistyped name.
constexpr size_t kMaxSuggestionDistance = 3;

struct TemplateFile {
  std::string path;  // relative to the template folder
  std::string_view data;
};

struct Template {
  TemplateInfo info;
  std::vector<TemplateFile> files;  // sorted by path, template.toml excluded
};

// Reads description and language from template.toml. The file is ours and compiled in, so
// a broken one is a bug in edgectl: it shows in the description (and fails scaffold_test)
// rather than failing every `edgectl new`.
void read_template_info(std::string_view text, const std::string& source, TemplateInfo& info) {
  try {
    toml::table t = toml::parse(text, source);
    info.description = t["description"].value_or(std::string());
    info.language = t["language"].value_or(std::string());
  } catch (const toml::parse_error& e) {
    info.description = "(broken " + source + ": " + std::string(e.description()) + ")";
  }
}

// Every template, keyed and so sorted by name, built from the embedded file table.
std::map<std::string, Template> load_templates() {
  std::map<std::string, Template> out;
  for (const EmbeddedFile& f : embedded_files()) {
    const size_t slash = f.path.find('/');
    if (slash == std::string_view::npos || slash == 0) continue;
    const std::string name(f.path.substr(0, slash));
    const std::string rel(f.path.substr(slash + 1));
    Template& t = out[name];
    t.info.name = name;
    if (rel == kTemplateInfoFile) {
      read_template_info(f.data, std::string(f.path), t.info);
      continue;
    }
    t.files.push_back({rel, f.data});
  }
  // "_bindings/<language>/<path>": the host API bindings, added at <path> to every template
  // of that language (one copy in the repository, however many templates use it).
  std::map<std::string, std::vector<TemplateFile>> bindings;
  for (auto it = out.begin(); it != out.end();) {
    if (it->first.front() != '_') {
      ++it;
      continue;
    }
    if (it->first == "_bindings") {
      for (const auto& f : it->second.files) {
        const size_t slash = f.path.find('/');
        if (slash == std::string::npos) continue;
        bindings[f.path.substr(0, slash)].push_back({f.path.substr(slash + 1), f.data});
      }
    }
    it = out.erase(it);
  }
  for (auto& [name, t] : out) {
    if (auto b = bindings.find(t.info.language); b != bindings.end())
      for (const auto& f : b->second) {
        const bool own = std::any_of(t.files.begin(), t.files.end(), [&](const auto& g) { return g.path == f.path; });
        if (!own) t.files.push_back(f);
      }
  }
  for (auto& [name, t] : out) {
    std::sort(t.files.begin(), t.files.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    for (const auto& f : t.files) t.info.files.push_back(f.path);
  }
  return out;
}

std::string substitute_name(std::string_view text, std::string_view app_name) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (size_t hit; (hit = text.find(kNamePlaceholder, pos)) != std::string_view::npos;
       pos = hit + kNamePlaceholder.size()) {
    out.append(text.substr(pos, hit - pos));
    out.append(app_name);
  }
  out.append(text.substr(pos));
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

Error unknown_template(std::string_view name, const std::map<std::string, Template>& templates) {
  Error e("unknown template '" + std::string(name) + "'");
  std::string best;
  size_t best_distance = kMaxSuggestionDistance + 1;
  std::string all;
  for (const auto& [candidate, t] : templates) {
    all += (all.empty() ? "" : ", ") + candidate;
    // "c" or "rust" alone should find "http-c" / "http-rust": compare against the suffix too.
    const size_t dash = candidate.find('-');
    size_t d = edit_distance(name, candidate);
    if (dash != std::string::npos) d = std::min(d, edit_distance(name, candidate.substr(dash + 1)));
    if (d < best_distance) best_distance = d, best = candidate;
  }
  if (!best.empty()) e.note("did you mean '" + best + "'?");
  e.note("available templates: " + all + " (see 'edgectl new --list')");
  return e;
}

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_name_char(char c) {
  return is_name_start(c) || c == '-' || c == '_';
}

bool valid_app_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxAppNameLength && is_name_start(name[0]) &&
         std::all_of(name.begin(), name.end(), is_name_char);
}

// A valid name close to what the user typed ("My App" -> "my-app"), or "" if none.
std::string suggest_app_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (is_name_char(lower))
      out += lower;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && !is_name_start(out.front())) out.erase(out.begin());
  if (out.size() > kMaxAppNameLength) out.resize(kMaxAppNameLength);
  while (!out.empty() && (out.back() == '-' || out.back() == '_')) out.pop_back();
  return valid_app_name(out) ? out : "";
}

Status check_app_name(std::string_view name) {
  if (valid_app_name(name)) return {};
  Error e("invalid app name '" + std::string(name) + "'");
  if (name.size() > kMaxAppNameLength)
    e.note("an app name has at most " + std::to_string(kMaxAppNameLength) + " characters");
  else
    e.note(
        "an app name starts with a lowercase letter or digit, followed by lowercase letters, "
        "digits, '-' or '_'");
  // The name becomes the component id and the .wasm file name, hence the strict rule.
  if (std::string s = suggest_app_name(name); !s.empty() && s != name) e.note("try '" + s + "'");
  return e;
}

// A missing folder or an empty one is fine; anything else needs --force.
Status check_target_dir(const fs::path& dir, Overwrite overwrite) {
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (!fs::exists(status)) return {};
  if (!fs::is_directory(status)) return Error("'" + dir.string() + "' exists and is not a folder");
  if (overwrite == Overwrite::Yes) return {};
  if (fs::directory_iterator(dir, ec) == fs::directory_iterator()) {
    if (!ec) return {};
    return Error("cannot read folder: " + ec.message(), FileLocation{dir.string()});
  }
  return Error("folder '" + dir.string() + "' already exists and is not empty")
      .note(
          "use --force to write the template into it anyway (files with the same names are "
          "replaced)");
}

}  // namespace

std::vector<TemplateInfo> list_templates() {
  std::vector<TemplateInfo> out;
  for (auto& [name, t] : load_templates()) out.push_back(std::move(t.info));
  return out;
}

Result<ScaffoldResult> create_project(std::string_view template_name, std::string_view app_name,
                                      const fs::path& dir, Overwrite overwrite) {
  const auto templates = load_templates();
  const auto it = templates.find(std::string(template_name));
  if (it == templates.end()) return unknown_template(template_name, templates);
  if (auto ok = check_app_name(app_name); !ok) return std::move(ok).error();
  if (auto ok = check_target_dir(dir, overwrite); !ok) return std::move(ok).error();

  ScaffoldResult result{dir, {}};
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error("cannot create folder: " + ec.message(), FileLocation{dir.string()});
  for (const TemplateFile& f : it->second.files) {
    const std::string rel = substitute_name(f.path, app_name);
    if (auto ok = write_file_atomic(dir / rel, substitute_name(f.data, app_name)); !ok)
      return std::move(ok).error();
    result.files.push_back(rel);
  }
  return result;
}

}  // namespace edgectl::scaffold
