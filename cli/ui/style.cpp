#include "ui/style.hpp"

#include <unistd.h>

#include <cstdlib>

namespace edgectl::ui {
namespace {
// The one process-wide setting of the UI layer, set once from the command line in main().
ColorMode g_mode = ColorMode::Auto;
}  // namespace

void set_color_mode(ColorMode mode) { g_mode = mode; }

bool is_terminal(std::FILE* stream) { return ::isatty(::fileno(stream)) == 1; }

bool color_enabled(std::FILE* stream) {
  if (g_mode == ColorMode::Always) return true;
  if (g_mode == ColorMode::Never) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return is_terminal(stream);
}

std::string paint(std::string_view text, Tone tone, std::FILE* stream) {
  return ansi(text, tone, color_enabled(stream));
}

std::string ansi(std::string_view text, Tone tone, bool enabled) {
  if (!enabled) return std::string(text);
  const char* code = "";
  switch (tone) {
    case Tone::Bold: code = "\x1b[1m"; break;
    case Tone::Dim: code = "\x1b[2m"; break;
    case Tone::Red: code = "\x1b[1;31m"; break;
    case Tone::Green: code = "\x1b[32m"; break;
    case Tone::Yellow: code = "\x1b[33m"; break;
    case Tone::Cyan: code = "\x1b[36m"; break;
  }
  return std::string(code) + std::string(text) + "\x1b[0m";
}

}  // namespace edgectl::ui
