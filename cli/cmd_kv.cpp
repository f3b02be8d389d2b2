// edgectl kv: look at and seed an app's local key-value stores (core/kv) — the SQLite files
// `edgectl serve` uses, .edgectl/kv/<store>.db beside the manifest (or --kv-dir). Safe while
// the server runs: SQLite's WAL lets both read and write, and increments stay atomic.
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "kv/kv.hpp"
#include "manifest/manifest.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::string store = "default";
  std::string manifest;
  std::string kv_dir;
  std::string key;
  std::string value;
  bool value_stdin = false;
  std::string prefix;
  int64_t delta = 1;
  bool json = false;
};

Result<fs::path> store_file(const Options& o) {
  if (o.store.empty() || o.store.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
    return Error("--store '" + o.store + "': store names are lowercase letters, digits, '_' and '-'");
  if (!o.kv_dir.empty()) return fs::path(o.kv_dir) / (o.store + ".db");
  auto path = o.manifest.empty() ? manifest::find_manifest(fs::current_path()) : Result<fs::path>(fs::path(o.manifest));
  if (!path) return std::move(path).error();
  return path->parent_path() / ".edgectl" / "kv" / (o.store + ".db");
}

Result<std::unique_ptr<kv::Store>> open(const Options& o, bool create) {
  auto file = store_file(o);
  if (!file) return std::move(file).error();
  std::error_code ec;
  if (!create && !fs::exists(*file, ec))
    return Error("no store '" + o.store + "' yet (" + file->string() + "): `edgectl kv set` or a request creates it");
  return kv::open_sqlite(*file);
}

// JSON strings must be UTF-8: bytes that are not come out as U+FFFD (the text output is
// exact).
std::string printable(const std::string& bytes) {
  const std::string quoted = nlohmann::json(bytes).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

Status check_key(const std::string& key) {
  if (key.size() > kv::kMaxKeyBytes)
    return Error("the key is " + std::to_string(key.size()) + " bytes; keys are at most " + std::to_string(kv::kMaxKeyBytes));
  return {};
}

int run(const Options& o, const std::string& verb) {
  const bool writes = verb == "set" || verb == "increment";
  auto store = open(o, writes);
  if (!store) return ui::fail(store.error(), o.json);
  if (verb != "list")
    if (auto s = check_key(o.key); !s) return ui::fail(s.error(), o.json), 2;
  if (verb == "get") {
    auto v = (*store)->get(o.key);
    if (!v) return ui::fail(v.error(), o.json);
    if (!*v) return ui::fail(Error("no key '" + o.key + "' in store '" + o.store + "'"), o.json);
    if (o.json) ui::print_json({{"key", o.key}, {"value", printable(**v)}});
    else std::cout << **v << (isatty(STDOUT_FILENO) ? "\n" : "");
    return 0;
  }
  if (verb == "set") {
    std::string value = o.value;
    if (o.value_stdin) value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (value.size() > kv::kMaxValueBytes)
      return ui::fail(Error("the value is " + std::to_string(value.size()) + " bytes; values are at most 1 MiB"), o.json), 2;
    if (auto s = (*store)->set(o.key, value); !s) return ui::fail(s.error(), o.json);
    if (o.json) ui::print_json({{"ok", true}, {"key", o.key}, {"bytes", value.size()}});
    return 0;
  }
  if (verb == "delete") {
    if (auto s = (*store)->remove(o.key); !s) return ui::fail(s.error(), o.json);
    if (o.json) ui::print_json({{"ok", true}, {"key", o.key}});
    return 0;
  }
  if (verb == "increment") {
    auto v = (*store)->increment(o.key, o.delta);
    if (!v) return ui::fail(v.error(), o.json);
    if (!*v) return ui::fail(Error("the value of '" + o.key + "' is not a decimal integer (or would overflow)"), o.json);
    if (o.json) ui::print_json({{"key", o.key}, {"value", **v}});
    else std::cout << **v << "\n";
    return 0;
  }
  // list: every key with the prefix, in byte order, one per line.
  nlohmann::json keys = nlohmann::json::array();
  for (uint64_t offset = 0;;) {
    auto page = (*store)->keys(o.prefix, offset, 1000);
    if (!page) return ui::fail(page.error(), o.json);
    for (const auto& k : *page) {
      if (o.json) keys.push_back(printable(k));
      else std::cout << k << "\n";
    }
    if (page->size() < 1000) break;
    offset += page->size();
  }
  if (o.json) ui::print_json({{"store", o.store}, {"keys", keys}});
  return 0;
}

void common(CLI::App* cmd, Options& o) {
  cmd->add_option("--store", o.store, "The store (as in key_value_stores)")->default_str("default");
  cmd->add_option("-f,--file", o.manifest, "The manifest (default: edgectl.toml here or in a parent folder)")
      ->type_name("PATH");
  cmd->add_option("--kv-dir", o.kv_dir, "Where the stores are (default: .edgectl/kv beside the manifest)")->type_name("DIR");
  cmd->add_flag("--json", o.json, "Print the result as JSON");
}

}  // namespace

void add_kv(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("kv", "Look at and seed the app's local key-value stores");
  cmd->require_subcommand(1);
  cmd->footer(
      "The stores are the SQLite files edgectl serve uses: .edgectl/kv/<store>.db beside the\n"
      "manifest. Safe while the server runs. (Stores configured elsewhere, e.g. Redis through\n"
      "--runtime-config, are read with that backend's own tools.)\n\n"
      "Examples:\n"
      "  edgectl kv set stock 500\n"
      "  edgectl kv get stock\n"
      "  edgectl kv list user: --store sessions --json\n"
      "  edgectl kv increment visits 10\n"
      "  edgectl kv delete stock");
  auto add = [&](const char* verb, const char* about) {
    auto o = std::make_shared<Options>();
    CLI::App* sub = cmd->add_subcommand(verb, about);
    common(sub, *o);
    const std::string v = verb;
    if (v == "list") {
      sub->add_option("PREFIX", o->prefix, "Only keys starting with this");
    } else {
      sub->add_option("KEY", o->key, "The key")->required();
    }
    if (v == "set") {
      sub->add_option("VALUE", o->value, "The value (or --stdin)");
      sub->add_flag("--stdin", o->value_stdin, "Read the value from stdin (bytes as they are)");
    }
    if (v == "increment") sub->add_option("DELTA", o->delta, "What to add (default 1; negative subtracts)");
    sub->callback([o, v, &exit_code] { exit_code = run(*o, v); });
  };
  add("get", "Print a key's value");
  add("set", "Set a key's value");
  add("delete", "Remove a key (absent is fine)");
  add("list", "List the keys, in byte order");
  add("increment", "Add to a key's decimal integer value, atomically, and print the result");
}

}  // namespace edgectl::cli
