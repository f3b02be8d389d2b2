#include "ui/diagnostic.hpp"

#include <cinttypes>
#include <iostream>

#include "ui/json.hpp"
#include "ui/style.hpp"

namespace edgectl::ui {
namespace {

std::string severity_word(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

std::string hex_offset(uint64_t off) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%04" PRIx64, off);
  return buf;
}

}  // namespace

std::string format_diagnostic(const Diagnostic& d, bool color) {
  auto p = [&](std::string_view text, Tone t) { return ansi(text, t, color); };
  std::string out;
  std::string caret_block;
  std::visit(
      [&](const auto& loc) {
        using T = std::decay_t<decltype(loc)>;
        if constexpr (std::is_same_v<T, FileLocation>) {
          out += p(loc.file + ": ", Tone::Bold);
        } else if constexpr (std::is_same_v<T, TextLocation>) {
          out += p(loc.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) + ": ", Tone::Bold);
          if (!loc.source_line.empty() && loc.line > 0) {
            std::string num = std::to_string(loc.line);
            std::string pad(num.size(), ' ');
            caret_block += " " + num + " | " + loc.source_line + "\n";
            caret_block += " " + pad + " | " + std::string(loc.column > 0 ? loc.column - 1 : 0, ' ') +
                           p(std::string(loc.length ? loc.length : 1, '^'), Tone::Red) + "\n";
          }
        } else if constexpr (std::is_same_v<T, WasmLocation>) {
          out += p(loc.file + ":" + hex_offset(loc.offset) + ": ", Tone::Bold);
        } else if constexpr (std::is_same_v<T, RegistryLocation>) {
          std::string where = loc.reference;
          if (loc.http_status) where += " (HTTP " + std::to_string(loc.http_status);
          if (!loc.code.empty()) where += (loc.http_status ? ", " : " (") + loc.code;
          if (loc.http_status || !loc.code.empty()) where += ")";
          out += p(where + ": ", Tone::Bold);
        }
      },
      d.location);
  Tone tone = d.severity == Severity::Error ? Tone::Red : d.severity == Severity::Warning ? Tone::Yellow : Tone::Cyan;
  out += p(severity_word(d.severity) + ":", tone) + " " + d.message + "\n";
  out += caret_block;
  for (const auto& n : d.notes) out += p("help:", Tone::Cyan) + " " + n + "\n";
  return out;
}

std::string format_error(const Error& e, bool color) {
  std::string out;
  for (const auto& d : e.diagnostics()) out += format_diagnostic(d, color);
  return out;
}

void print_error(const Error& e) { std::cerr << format_error(e, color_enabled(stderr)) << std::flush; }

void print_diagnostic(const Diagnostic& d) {
  std::cerr << format_diagnostic(d, color_enabled(stderr)) << std::flush;
}

void print_warning(const std::string& message) {
  std::cerr << paint("warning:", Tone::Yellow, stderr) << " " << message << "\n";
}

int fail(const Error& e, bool json) {
  if (json)
    print_json(to_json(e));
  else
    print_error(e);
  return 1;
}

}  // namespace edgectl::ui
