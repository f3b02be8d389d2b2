// The runtime config (runtime_config.hpp): toml++ parses it, this file checks every table
// and key, and collects all problems (in source order) before serve starts. It is small and
// fixed, so it reads toml++ directly rather than through core/manifest's readers.
#include "runtime/host/runtime_config.hpp"

#include <toml++/toml.h>

#include <algorithm>

#include "util/fs.hpp"
#include "util/toml_source.hpp"

namespace edgectl::runtime::host {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBackends = "redis, sqlite or memory";

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

// A URL's password never reaches the terminal, not even in the source line a diagnostic
// quotes: every "scheme://...@" on a line is shown through kv::redact_url.
std::string redact_line(std::string line) {
  for (size_t pos = line.find("://"); pos != std::string::npos; pos = line.find("://", pos + 3)) {
    const size_t before = line.find_last_of("\"' \t=", pos);
    const size_t begin = before == std::string::npos ? 0 : before + 1;
    const size_t end = std::min(line.find_first_of("\"' \t", pos), line.size());
    const std::string shown = kv::redact_url(std::string_view(line).substr(begin, end - begin));
    line.replace(begin, end - begin, shown);
    pos = begin + shown.size() - 3;
  }
  return line;
}

// The file's text for diagnostics (util/toml_source.hpp), every URL redacted, and the
// problems found.
class Reader {
 public:
  Reader(std::string_view text, const fs::path& file) : source_(redacted(text), file.string()) {}

  TextLocation at(const toml::source_region& region) const { return source_.at(region); }
  void error(Location where, std::string message, std::vector<std::string> notes = {}) {
    diagnostics_.add(std::move(where), std::move(message), std::move(notes));
  }
  bool ok() const { return diagnostics_.empty(); }
  Error take() && { return Error(std::move(diagnostics_).take_in_source_order()); }
  const std::string& file() const { return source_.file(); }

 private:
  static std::string redacted(std::string_view text) {
    std::string out;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      out += redact_line(std::string(text.substr(start, end - start)));
      if (end < text.size()) out += '\n';
      start = end + 1;
    }
    return out;
  }

  SourceText source_;
  Diagnostics diagnostics_;
};

// The manifest's rule for store names (key_value_stores): a name it could not declare would
// never be opened.
bool valid_store_name(std::string_view name) {
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return !name.empty() && name.size() <= 64 && lower_alnum(name.front()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return lower_alnum(c) || c == '_' || c == '-'; });
}

// One [kv.NAME] table; nullopt when it has a problem (recorded).
std::optional<StoreConfig> read_store(Reader& r, const std::string& name, const toml::table& t, const fs::path& dir) {
  StoreConfig store;
  store.where = r.at(t.source());
  const std::string place = "[kv." + name + "]";
  bool ok = true;
  for (auto&& [key, value] : t) {
    if (key == "backend" || key == "url" || key == "path") {
      if (!value.is_string()) {
        r.error(r.at(value.source()), std::string(key.str()) + " in " + place + " must be a string");
        ok = false;
      }
      continue;
    }
    r.error(r.at(key.source()), "unknown key " + in_quotes(key.str()) + " in " + place, {"keys: backend, url, path"});
    ok = false;
  }
  const toml::node* backend = t.get("backend");
  const toml::node* url = t.get("url");
  const toml::node* path = t.get("path");
  if (!backend) {
    r.error(store.where, place + " has no backend", {"add backend = \"redis\", \"sqlite\" or \"memory\""});
    return std::nullopt;
  }
  if (!ok || !backend->is_string()) return std::nullopt;
  const std::string kind = backend->value_or(std::string());
  if (kind == "redis") {
    store.backend = StoreConfig::Backend::Redis;
    if (!url) {
      r.error(store.where, place + ": backend \"redis\" needs a url", {"e.g. url = \"redis://127.0.0.1:6379/0\""});
      ok = false;
    } else {
      store.url = url->value_or(std::string());
      // The syntax now, so a typo stops serve at once; connecting waits for the first use.
      if (auto parsed = kv::parse_redis_url(store.url); !parsed) {
        r.error(r.at(url->source()), parsed.error().message(), parsed.error().primary().notes);
        ok = false;
      }
    }
    if (path) {
      r.error(r.at(path->source()), "path is for backend \"sqlite\"; a Redis store has a url");
      ok = false;
    }
  } else if (kind == "sqlite" || kind == "memory") {
    store.backend = kind == "sqlite" ? StoreConfig::Backend::Sqlite : StoreConfig::Backend::Memory;
    if (url) {
      r.error(r.at(url->source()), "url is for backend \"redis\"");
      ok = false;
    }
    if (path && kind == "memory") {
      r.error(r.at(path->source()), "a memory store has no path");
      ok = false;
    } else if (path) {
      const fs::path p = path->value_or(std::string());
      if (p.empty()) {
        r.error(r.at(path->source()), "an empty path");
        ok = false;
      }
      store.path = p.is_absolute() ? p : (dir / p).lexically_normal();
    }
  } else {
    r.error(r.at(backend->source()), "unknown backend " + in_quotes(kind) + " in " + place,
            {"backends: " + std::string(kBackends)});
    ok = false;
  }
  if (!ok) return std::nullopt;
  return store;
}

}  // namespace

Result<RuntimeConfig> parse_runtime_config(std::string_view text, const fs::path& file) {
  Reader r(text, file);
  toml::table root;
  try {
    // The Debian build of toml++ reports syntax errors as exceptions (see core/manifest).
    root = toml::parse(text, std::string_view(r.file()));
  } catch (const toml::parse_error& e) {
    return Error("TOML syntax error: " + std::string(e.description()), r.at(e.source()));
  }
  RuntimeConfig config;
  config.file = file;
  const fs::path dir = file.parent_path();
  for (auto&& [key, value] : root) {
    if (key != "kv") {
      r.error(r.at(key.source()), "unknown table or key " + in_quotes(key.str()) + " in the runtime config",
              {"the runtime config has [kv.NAME] tables, one per key-value store"});
      continue;
    }
    const toml::table* kv = value.as_table();
    if (!kv) {
      r.error(r.at(value.source()), "kv must be a table of stores: [kv.NAME]");
      continue;
    }
    for (auto&& [name, store] : *kv) {
      const std::string n(name.str());
      if (!valid_store_name(n)) {
        r.error(r.at(name.source()), in_quotes(n) + " is not a valid store name",
                {"use lowercase letters, digits, '_' and '-', starting with a letter or digit "
                 "(as in key_value_stores)"});
        continue;
      }
      const toml::table* t = store.as_table();
      if (!t) {
        r.error(r.at(store.source()), "kv." + n + " must be a table: [kv." + n + "] with backend = ...");
        continue;
      }
      if (auto s = read_store(r, n, *t, dir)) config.stores.emplace(n, std::move(*s));
    }
  }
  if (!r.ok()) return std::move(r).take();
  return config;
}

Result<RuntimeConfig> load_runtime_config(const fs::path& file) {
  auto text = read_text_file(file);
  if (!text) return std::move(text).error().context("runtime config: ");
  return parse_runtime_config(*text, file);
}

std::function<Result<std::shared_ptr<kv::Store>>(const std::string&)> store_opener(RuntimeConfig config,
                                                                                   fs::path default_sqlite_dir) {
  return [config = std::move(config), dir = std::move(default_sqlite_dir)](
             const std::string& name) -> Result<std::shared_ptr<kv::Store>> {
    auto it = config.stores.find(name);
    if (it == config.stores.end()) return std::shared_ptr<kv::Store>();
    const StoreConfig& s = it->second;
    switch (s.backend) {
      case StoreConfig::Backend::Memory: return std::shared_ptr<kv::Store>(kv::open_memory());
      case StoreConfig::Backend::Sqlite: {
        auto store = kv::open_sqlite(s.path.empty() ? dir / (name + ".db") : s.path);
        if (!store) return std::move(store).error();
        return std::shared_ptr<kv::Store>(std::move(*store));
      }
      case StoreConfig::Backend::Redis: {
        auto store = kv::open_redis(s.url, name);
        if (!store) return std::move(store).error();
        return std::shared_ptr<kv::Store>(std::move(*store));
      }
    }
    return std::shared_ptr<kv::Store>();
  };
}

}  // namespace edgectl::runtime::host
