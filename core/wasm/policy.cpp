// The import policy the build gate applies: an edge function may import only what the
// runtime provides (WASI preview 1 by default). Every offending import is reported at
// once, so a user fixes them in one go rather than one build at a time.
#include "wasm/wasm.hpp"

namespace edgectl::wasm {
namespace {

// "a", "a and b", "a, b and c".
std::string join_modules(const std::set<std::string>& modules) {
  std::string out;
  size_t i = 0;
  for (const auto& m : modules) {
    if (i > 0) out += i + 1 == modules.size() ? " and " : ", ";
    out += m;
    ++i;
  }
  return out;
}

}  // namespace

Status check_imports(const ModuleInfo& info, const ImportPolicy& policy,
                     const std::string& filename) {
  const std::string allowed =
      policy.allowed_modules.empty()
          ? "this module may not import anything"
          : "only " + join_modules(policy.allowed_modules) + " may be imported";
  std::vector<Diagnostic> diags;
  for (const auto& import : info.imports) {
    if (policy.allowed_modules.contains(import.module)) continue;
    Diagnostic d{Severity::Error,
                 "import '" + import.module + "." + import.name + "' (" +
                     std::string(to_string(import.kind)) + " " + import.signature +
                     ") is not allowed: " + allowed,
                 WasmLocation{filename, import.offset},
                 {}};
    // wasm-ld turns undefined symbols into 'env' imports under --allow-undefined.
    if (import.module == "env")
      d.notes.push_back("'env' imports are usually symbols left undefined at link time; define '" +
                        import.name + "' or link the library that does");
    diags.push_back(std::move(d));
  }
  if (diags.empty()) return {};
  return Error(std::move(diags));
}

}  // namespace edgectl::wasm
