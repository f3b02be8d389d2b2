#pragma once
// The runtime config (`edgectl serve --runtime-config runtime.toml`): where this host keeps
// each key-value store. It belongs to the machine, not the app: the same app keeps its stores
// in SQLite files on a laptop and in one Redis shared by several edge hosts in production,
// with no change to its edgectl.toml (which only names the stores a component may open).
//
//   [kv.default]
//   backend = "redis"
//   url = "redis://127.0.0.1:6379/0"   # redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], unix:///PATH
//
//   [kv.sessions]
//   backend = "sqlite"
//   path = "data/sessions.db"          # relative to this file (default: serve's usual file)
//
//   [kv.cache]
//   backend = "memory"
//
// A store it does not name uses serve's default (--kv, --kv-dir). Everything is checked when
// the file is read — unknown tables, keys and backends, store names, the URLs' syntax — and
// every problem is reported with file:line:col; connecting waits for a store's first use.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kv/kv.hpp"
#include "util/error.hpp"

namespace edgectl::runtime::host {

struct StoreConfig {
  enum class Backend { Sqlite, Memory, Redis };
  Backend backend = Backend::Sqlite;
  // sqlite: the file, resolved against the runtime config's folder; empty: serve's default
  // (<kv-dir>/<name>.db).
  std::filesystem::path path;
  // redis: the URL as written. It may hold a password: print kv::redact_url(url) only.
  std::string url;
  TextLocation where;  // the store's [kv.NAME] table
};

struct RuntimeConfig {
  std::filesystem::path file;
  std::map<std::string, StoreConfig> stores;  // by store name
};

Result<RuntimeConfig> parse_runtime_config(std::string_view text, const std::filesystem::path& file);
Result<RuntimeConfig> load_runtime_config(const std::filesystem::path& file);

// A ServicesOptions::open_store for `config`: a store it names is opened as configured (an
// SQLite store without a path as default_sqlite_dir/<name>.db); for any other store it
// returns a null pointer, so Services opens the default backend.
std::function<Result<std::shared_ptr<kv::Store>>(const std::string& name)> store_opener(
    RuntimeConfig config, std::filesystem::path default_sqlite_dir);

}  // namespace edgectl::runtime::host
