// edgectl cache: what the aot engine keeps on disk (cache list) and removing it (cache clear).
// core/runtime/aot owns the cache; this file maps flags to calls and renders.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "runtime/aot/aot.hpp"
#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "ui/style.hpp"
#include "ui/table.hpp"
#include "util/units.hpp"
#include "verbs.hpp"

namespace edgectl::cli {
namespace {

using Json = nlohmann::ordered_json;  // keys in the documented order, not sorted
namespace aot = runtime::aot;

constexpr size_t kShortSha = 12;  // hex digits of the wasm sha256 shown in the table

struct Options {
  bool json = false;
};

std::string entries_word(size_t n) { return std::to_string(n) + (n == 1 ? " entry" : " entries"); }

// An entry without readable metadata (an interrupted or foreign write) still lists, as "-".
std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

int fail(const Options& o, const Error& e) { return ui::fail(e, o.json); }

void print_json(const Json& j) {
  // A module name or path need not be UTF-8; replace bad bytes rather than throw from dump().
  std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n" << std::flush;
}

int run_list(const Options& o) {
  const std::filesystem::path dir = aot::cache_dir();
  auto entries = aot::list_cache();
  if (!entries) return fail(o, entries.error());
  uint64_t total = 0;
  for (const auto& e : *entries) total += e.bytes;

  if (o.json) {
    Json list = Json::array();
    for (const auto& e : *entries)
      list.push_back({{"key", e.key},
                      {"name", e.name},
                      {"wasm_sha256", e.wasm_sha256},
                      {"compiler", e.compiler},
                      {"flags", e.flags},
                      {"tier", e.tier},
                      {"failure", e.failure.empty() ? Json(nullptr) : Json(e.failure)},
                      {"bytes", e.bytes},
                      {"created", e.created},
                      {"path", e.path.string()}});
    print_json(Json{{"ok", true}, {"path", dir.string()}, {"total_bytes", total}, {"entries", list}});
    return 0;
  }
  if (entries->empty()) {
    std::cout << "The aot cache is empty (" << dir.string() << ").\n"
              << "'edgectl build --aot' and 'edgectl run --engine aot' fill it.\n";
    return 0;
  }
  using ui::Align;
  ui::Table t({"module", "wasm sha256", "size", "tier", "compiler", "flags", "created"},
              {Align::Left, Align::Left, Align::Right, Align::Left, Align::Left, Align::Left, Align::Left});
  size_t failed = 0;
  for (const auto& e : *entries) {
    failed += !e.failure.empty();
    t.add_row({or_dash(e.name), or_dash(e.wasm_sha256.substr(0, kShortSha)), human_bytes(e.bytes),
               e.failure.empty() ? or_dash(e.tier) : "FAILED", or_dash(e.compiler), or_dash(e.flags),
               or_dash(e.created)});
  }
  std::cout << t.render(ui::color_enabled(stdout)) << "\n";
  // Each module the toolchain refused, with why: it runs on the interpreter.
  for (const auto& e : *entries)
    if (!e.failure.empty())
      std::cout << ui::paint("failed", ui::Tone::Bold) << "  " << or_dash(e.name) << " ("
                << e.tier << "): " << e.failure << "\n";
  std::cout << ui::paint("total", ui::Tone::Bold) << "  " << entries_word(entries->size()) << ", "
            << human_bytes(total) << " in " << dir.string()
            << (failed ? " (" + std::to_string(failed) + " failed: 'edgectl cache clear' tries them again)" : "")
            << "\n";
  return 0;
}

int run_clear(const Options& o) {
  const std::filesystem::path dir = aot::cache_dir();
  auto entries = aot::list_cache();  // for the count: clear_cache() returns the bytes freed
  if (!entries) return fail(o, entries.error());
  auto freed = aot::clear_cache();
  if (!freed) return fail(o, freed.error());
  if (o.json) {
    print_json(Json{{"ok", true},
                    {"path", dir.string()},
                    {"removed_entries", entries->size()},
                    {"freed_bytes", *freed}});
  } else if (entries->empty() && *freed == 0) {
    std::cout << "The aot cache is already empty (" << dir.string() << ").\n";
  } else {
    std::cout << "Removed " << entries_word(entries->size()) << ", " << human_bytes(*freed)
              << " freed, from " << dir.string() << "\n";
  }
  return 0;
}

}  // namespace

void add_cache(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "cache", "List or clear the aot cache (modules compiled to native code)");
  cmd->require_subcommand(1);
  cmd->footer(
      "The cache is $XDG_CACHE_HOME/edgectl/aot (default ~/.cache/edgectl/aot). 'edgectl build\n"
      "--aot' and 'edgectl run --engine aot' fill it, and the auto engine once its background\n"
      "compile finishes. Entries are keyed by the module, the tier, the compiler and its flags,\n"
      "so a change to any of them compiles a new entry; old ones stay until 'cache clear'.\n"
      "Large modules have two tiers under auto: quick (-O0, ready in seconds) and optimized.\n"
      "A module the toolchain refuses is kept as a FAILED entry naming why, so it is not\n"
      "compiled again on every start; 'cache clear' (or a new toolchain) tries again.\n\n"
      "Examples:\n"
      "  edgectl cache list\n"
      "  edgectl cache list --json | jq '.total_bytes'\n"
      "  edgectl cache clear");

  auto list_opts = std::make_shared<Options>();
  CLI::App* list = cmd->add_subcommand(
      "list", "Show each cached module: name, wasm sha256, size, tier, compiler, flags, created, and each module that could not be compiled, with why");
  list->add_flag("--json", list_opts->json,
                 "Print one JSON object: entries, total_bytes and the cache's path");
  list->footer(
      "Exit status: 0 listed (an empty cache too); 1 the cache could not be read.\n\n"
      "Examples:\n"
      "  edgectl cache list\n"
      "  edgectl cache list --json | jq -r '.entries[].name'");
  list->callback([list_opts, &exit_code] { exit_code = run_list(*list_opts); });

  auto clear_opts = std::make_shared<Options>();
  CLI::App* clear =
      cmd->add_subcommand("clear", "Remove every cached module; they are rebuilt when next needed");
  clear->add_flag("--json", clear_opts->json,
                  "Print one JSON object: removed_entries, freed_bytes and the cache's path");
  clear->footer(
      "Exit status: 0 cleared (an empty cache too); 1 the cache could not be cleared.\n\n"
      "Examples:\n"
      "  edgectl cache clear\n"
      "  edgectl cache clear --json");
  clear->callback([clear_opts, &exit_code] { exit_code = run_clear(*clear_opts); });
}

}  // namespace edgectl::cli
