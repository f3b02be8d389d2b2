#pragma once
// From wasm2c's output to the C files edgectl compiles: split into parts that compile on
// separate cores, plus the glue edgectl loads the library through. Pure text work, so the
// tests drive it directly.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/runtime.hpp"
#include "util/error.hpp"

namespace edgectl::runtime::aot {

// The module name given to wasm2c (-n): every generated symbol starts with Z_m_ / Z_mZ_.
inline constexpr std::string_view kModuleName = "m";

// One export as the library exposes it.
struct ExportSig {
  std::string name;       // the wasm export name
  bool function = false;  // a function export (else memory, table, global)
  bool callable = false;  // a function invoke() can pass values to (no v128 or references)
  FuncType type;          // when callable
};

struct Translation {
  std::vector<std::string> parts;  // C sources; parts[0] holds the glue and module entry points
  std::vector<ExportSig> exports;  // in the module's export order (= edgectl_exports[] order)
  size_t functions = 0;            // defined functions (= edgectl_functions[] length)
};

// Splits `c_source` (wasm2c -n m output, which includes "m.h") into at most `parts` sources
// of about equal size, and appends the glue (edgectl_* symbols, see compile.cpp) to the first.
// `header` is wasm2c's m.h. `key` is embedded as edgectl_aot_key. Error: output shaped unlike
// wasm2c 1.0.32's (the message says what was not found).
Result<Translation> translate(std::string_view c_source, std::string_view header,
                              std::string_view key, size_t parts);

// The wasm-rt.h the parts are compiled against: it includes wabt's and renames the call-depth
// counter to edgectl's per-thread one (see detail/rt.hpp).
std::string_view rt_header_wrapper();

}  // namespace edgectl::runtime::aot
