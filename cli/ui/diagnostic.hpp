#pragma once
// The one place diagnostics become text, in the shape wabt and Spin print:
//   edgectl.toml:4:9: error: unknown key 'sorce' in [[component]]
//       4 | sorce = "app.wasm"
//         | ^^^^^
//   help: did you mean 'source'?
//   app.wasm:0x001c: error: unexpected end of section
#include <cstdio>
#include <string>

#include "util/error.hpp"

namespace edgectl::ui {

std::string format_diagnostic(const Diagnostic& d, bool color = false);
std::string format_error(const Error& e, bool color = false);
// Prints to stderr with colour if stderr is a terminal.
void print_error(const Error& e);
void print_warning(const std::string& message);
// One diagnostic of any severity (a warning with its help lines), to stderr like print_error.
void print_diagnostic(const Diagnostic& d);
// A verb's failure: the error on stderr, or under --json as JSON on stdout
// ({"ok": false, "errors": [...]}). Returns exit status 1.
int fail(const Error& e, bool json);

}  // namespace edgectl::ui
