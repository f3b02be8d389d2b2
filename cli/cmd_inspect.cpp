// edgectl inspect: what is in a module (sections, imports, exports, memories, features,
// the largest functions), as a readable report or one JSON object. wasm::inspect does the
// decoding; this file maps flags to options and renders.
#include <nlohmann/json.hpp>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>

#include "ui/diagnostic.hpp"
#include "ui/json.hpp"
#include "ui/style.hpp"
#include "ui/table.hpp"
#include "util/fs.hpp"
#include "util/units.hpp"
#include "verbs.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::cli {
namespace {

using Json = nlohmann::ordered_json;  // keys in the documented order, not sorted

constexpr size_t kDefaultTop = 10;
constexpr uint64_t kWasmPageBytes = 64 * 1024;
constexpr uint8_t kCustomSectionId = 0;
constexpr uint8_t kCodeSectionId = 10;
constexpr std::string_view kCustomPrefix = "custom:";

struct Options {
  std::filesystem::path module;
  bool json = false;
  size_t top = kDefaultTop;
};

std::string format(const char* fmt, auto... args) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}
std::string hex(uint64_t v) {
  return format("0x%04" PRIx64, v);
}
std::string percent(uint64_t part, uint64_t whole) {
  return format("%.1f%%",
                whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
}

// Names come from the module: keep control characters away from the terminal.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s)
    out += (c < 0x20 || c == 0x7f) ? format("\\x%02x", c) : std::string(1, static_cast<char>(c));
  return out;
}

Json limits_json(const std::vector<wasm::Limits>& v) {
  Json out = Json::array();
  for (const auto& l : v)
    out.push_back({{"initial", l.initial},
                   {"maximum", l.maximum ? Json(*l.maximum) : Json()},
                   {"shared", l.shared},
                   {"memory64", l.is64}});
  return out;
}

Json to_json(const std::string& file, const wasm::ModuleInfo& m) {
  Json j = {{"ok", true},
            {"file", file},
            {"size", m.size},
            {"sha256", m.sha256},
            {"kind", wasm::to_string(m.kind)},
            {"features", wasm::feature_names(m.features)},
            {"function_count", m.function_count},
            {"has_names", m.has_names}};
  j["sections"] = Json::array();
  for (const auto& s : m.sections)
    j["sections"].push_back(
        {{"name", s.name}, {"id", s.id}, {"offset", s.offset}, {"size", s.size}});
  j["imports"] = Json::array();
  for (const auto& i : m.imports)
    j["imports"].push_back({{"module", i.module},
                            {"name", i.name},
                            {"kind", wasm::to_string(i.kind)},
                            {"signature", i.signature},
                            {"offset", i.offset}});
  j["exports"] = Json::array();
  for (const auto& e : m.exports)
    j["exports"].push_back({{"name", e.name},
                            {"kind", wasm::to_string(e.kind)},
                            {"index", e.index},
                            {"signature", e.signature}});
  j["memories"] = limits_json(m.memories);
  j["tables"] = limits_json(m.tables);
  j["largest_functions"] = Json::array();
  for (const auto& f : m.largest_functions)
    j["largest_functions"].push_back(
        {{"index", f.index}, {"name", f.name}, {"size", f.code_size}, {"offset", f.offset}});
  return j;
}

std::string render_text(const std::string& file, const wasm::ModuleInfo& m) {
  const bool color = ui::color_enabled(stdout);
  using ui::Align;
  std::string out;
  auto section = [&](const std::string& title, const ui::Table& table, bool show) {
    if (show) out += "\n" + ui::paint(title, ui::Tone::Bold) + "\n" + table.render(color);
  };
  uint64_t code_size = 0, custom_size = 0, imported_funcs = 0;
  ui::Table sections({"section", "offset", "size", "%"},
                     {Align::Left, Align::Right, Align::Right, Align::Right});
  ui::Table customs({"custom section", "offset", "size", "%"},
                    {Align::Left, Align::Right, Align::Right, Align::Right});
  for (const auto& s : m.sections) {
    bool custom = s.id == kCustomSectionId;
    (custom ? customs : sections)
        .add_row({printable(custom ? s.name.substr(kCustomPrefix.size()) : s.name), hex(s.offset),
                  std::to_string(s.size), percent(s.size, m.size)});
    custom_size += custom ? s.size : 0;
    code_size += s.id == kCodeSectionId ? s.size : 0;
  }
  if (custom_size)
    sections.add_row(
        {"(custom sections)", "", std::to_string(custom_size), percent(custom_size, m.size)});
  for (const auto& i : m.imports) imported_funcs += i.kind == wasm::ExternKind::Func;
  auto features = wasm::feature_names(m.features);
  std::string feature_list;
  for (const auto& f : features) feature_list += (feature_list.empty() ? "" : ", ") + f;

  out += ui::paint(file, ui::Tone::Bold) + "\n";
  out += "  size       " + human_bytes(m.size) + " (" + std::to_string(m.size) + " bytes)\n";
  out += "  sha256     " + m.sha256 + "\n";
  const char* why = m.kind == wasm::ModuleKind::Command   ? "exports _start"
                    : m.kind == wasm::ModuleKind::Reactor ? "exports _initialize"
                                                          : "no _start or _initialize";
  out += "  kind       " + std::string(wasm::to_string(m.kind)) + " (" + why + ")\n";
  out += "  features   " + (features.empty() ? std::string("none (MVP)") : feature_list) + "\n";
  out += "  functions  " + std::to_string(m.function_count) + " defined, " +
         std::to_string(imported_funcs) + " imported" +
         (m.has_names ? "; names from the name section" : "") + "\n";
  section("Sections", sections, true);

  ui::Table imports({"module", "name", "kind", "signature"});
  for (const auto& i : m.imports)
    imports.add_row({printable(i.module), printable(i.name), std::string(wasm::to_string(i.kind)),
                     i.signature});
  section("Imports (" + std::to_string(m.imports.size()) + ")", imports, !m.imports.empty());

  ui::Table exports({"name", "kind", "index", "signature"},
                    {Align::Left, Align::Left, Align::Right});
  for (const auto& e : m.exports)
    exports.add_row({printable(e.name), std::string(wasm::to_string(e.kind)),
                     std::to_string(e.index), e.signature});
  section("Exports (" + std::to_string(m.exports.size()) + ")", exports, !m.exports.empty());

  ui::Table limits({"", "initial", "maximum", "flags"});
  auto add_limits = [&](const std::string& what, const std::vector<wasm::Limits>& v, bool pages) {
    auto amount = [&](uint64_t n) {
      return pages ? std::to_string(n) + " pages (" + human_bytes(n * kWasmPageBytes) + ")"
                   : std::to_string(n);
    };
    for (size_t i = 0; i < v.size(); ++i)
      limits.add_row({what + std::to_string(i), amount(v[i].initial),
                      v[i].maximum ? amount(*v[i].maximum) : "none",
                      std::string(v[i].shared ? "shared " : "") + (v[i].is64 ? "i64" : "")});
  };
  add_limits("memory ", m.memories, true);
  add_limits("table ", m.tables, false);
  section("Memories and tables", limits, !m.memories.empty() || !m.tables.empty());
  section("Custom sections", customs, custom_size > 0);

  ui::Table funcs({"index", "name", "size", "% of code"},
                  {Align::Right, Align::Left, Align::Right, Align::Right});
  for (const auto& f : m.largest_functions)
    funcs.add_row({std::to_string(f.index), printable(f.name), std::to_string(f.code_size),
                   percent(f.code_size, code_size)});
  section("Largest functions (" + std::to_string(m.largest_functions.size()) + " of " +
              std::to_string(m.function_count) + ")",
          funcs, !m.largest_functions.empty());
  return out;
}


int fail(const Options& o, const Error& e) { return ui::fail(e, o.json); }

int run_inspect(const Options& o) {
  const std::string file = o.module.string();
  // A .wat file is compiled first; offsets in the report are then those of the binary.
  auto bytes = wasm::read_module(o.module);
  if (!bytes) return fail(o, bytes.error());
  auto info = wasm::inspect(*bytes, file, wasm::InspectOptions{o.top});
  if (!info) return fail(o, info.error());
  // A path need not be UTF-8; replace bad bytes rather than throw from dump().
  if (o.json)
    std::cout << to_json(file, *info).dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  else
    std::cout << render_text(file, *info);
  return 0;
}

}  // namespace

void add_inspect(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "inspect",
      "Show a module's sections, imports, exports, memories, features and largest functions");
  cmd->add_option("module", opts->module,
                  "The module: a .wasm binary, or a .wat text file to compile first")
      ->required();
  cmd->add_flag("--json", opts->json, "Print one JSON object instead of the report");
  // The range check runs on the text, so "-1" is refused rather than wrapped to SIZE_MAX.
  cmd->add_option("--top", opts->top, "How many of the largest functions to list")
      ->capture_default_str()
      ->check(CLI::Range(0, std::numeric_limits<int>::max()));
  cmd->footer(
      "Examples:\n"
      "  edgectl inspect hello.wasm\n"
      "  edgectl inspect hello.wasm --top 25\n"
      "  edgectl inspect hello.wasm --json | jq '.imports[].name'\n"
      "  edgectl inspect handler.wat");
  cmd->callback([opts, &exit_code] { exit_code = run_inspect(*opts); });
}

}  // namespace edgectl::cli
