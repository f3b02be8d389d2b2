#pragma once
// Terminal styling: colour only on a terminal, never when NO_COLOR is set or --color=never.
#include <cstdio>
#include <string>
#include <string_view>

namespace edgectl::ui {

enum class ColorMode { Auto, Always, Never };

void set_color_mode(ColorMode mode);
bool color_enabled(std::FILE* stream);   // for stdout or stderr
bool is_terminal(std::FILE* stream);

enum class Tone { Bold, Dim, Red, Green, Yellow, Cyan };
// Wraps text in ANSI codes when `enabled`.
std::string ansi(std::string_view text, Tone tone, bool enabled);
// Wraps text in ANSI codes when colour is enabled for `stream`.
std::string paint(std::string_view text, Tone tone, std::FILE* stream = stdout);

}  // namespace edgectl::ui
