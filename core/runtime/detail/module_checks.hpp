#pragma once
// What every engine does the same way at load and instantiate: the import policy, the
// initial-memory check against Limits, and function names for trap reports.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/runtime.hpp"

namespace edgectl::runtime::detail {

// inspect() with every function listed (names and offsets for traps), validate() with the
// runtime's features, then the import rules: WASI imports must be preview1 functions with
// preview1's exact types; other modules only when allowed in `options` (and then the engine
// says it has no bindings for them yet). Every offender is reported at once.
Result<wasm::ModuleInfo> check_module(std::span<const uint8_t> bytes, const std::string& filename,
                                      const LoadOptions& options, std::string_view engine);
// check_module() for bytes known to be valid (an aot cache entry made from them records a
// validation with the runtime's features): inspect() and the import rules, no validate().
Result<wasm::ModuleInfo> check_module_validated(std::span<const uint8_t> bytes,
                                                const std::string& filename,
                                                const LoadOptions& options, std::string_view engine);
// The import rules alone (for a module found in an engine's cache under other options).
Status check_imports(const wasm::ModuleInfo& info, const LoadOptions& options,
                     const std::string& filename, std::string_view engine);

// The memory cap in 64 KiB pages (max_memory_bytes rounded down, at most 4 GiB).
uint64_t memory_cap_pages(const Limits& limits);
// Error (naming the sizes) when a memory's initial size is over the cap.
Status check_initial_memory(const wasm::ModuleInfo& info, const Limits& limits,
                            const std::string& filename);

// What every engine's Module::instantiate / Instance::run_start / invoke check first.
// `wasi`, or a default context (no args, env or files) when it is null.
Result<std::unique_ptr<wasi::WasiCtx>> or_default_wasi(std::unique_ptr<wasi::WasiCtx> wasi);
// A WASI command's `_start` of type () -> (); the error notes a reactor's _initialize.
Status check_start(const Module& module, const std::string& filename);
// The argument count and types against the export's signature.
Status check_args(std::string_view export_name, const FuncType& type, std::span<const Value> args);
// "'f.wasm' has no export named 'x'", noting the function exports there are.
Error no_such_export(const wasm::ModuleInfo& info, const std::string& filename, std::string_view name);

// An engine's loaded Modules by sha256. Entries are weak: a Module lives while someone holds
// it, and expired entries are dropped whenever a new one is kept. Nothing else evicts.
template <typename M>
class ModuleMemo {
 public:
  // The live Module for `sha`, if any. Its bytes were checked already; only the import
  // policy depends on the options, so it is checked again here.
  Result<std::shared_ptr<const Module>> find(std::string_view sha, const LoadOptions& options,
                                             const std::string& filename, std::string_view engine) {
    std::shared_ptr<const M> hit;
    {
      std::lock_guard lock(mutex_);
      if (auto it = modules_.find(sha); it != modules_.end()) hit = it->second.lock();
    }
    if (!hit) return std::shared_ptr<const Module>();
    if (auto s = check_imports(hit->info(), options, filename, engine); !s) return std::move(s).error();
    return std::shared_ptr<const Module>(hit);
  }
  // Keeps `module` for `sha` and returns it, or the one a concurrent load kept first.
  std::shared_ptr<const Module> keep(const std::string& sha, std::shared_ptr<const M> module) {
    std::lock_guard lock(mutex_);
    auto& slot = modules_[sha];
    if (auto raced = slot.lock()) return raced;
    slot = module;
    std::erase_if(modules_, [](const auto& entry) { return entry.second.expired(); });
    return module;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<const M>, std::less<>> modules_;
};

// Function names by index: from the name section; else an export's name or an import's
// "module.name"; else "func[INDEX]". Also each defined function's body offset.
class FunctionNames {
 public:
  // `info` must list every function (check_module does); `exports` are (name, index) pairs.
  explicit FunctionNames(const wasm::ModuleInfo& info);
  std::string name(uint32_t index) const;
  std::optional<uint64_t> body_offset(uint32_t index) const;
  uint32_t imported_functions() const { return imported_; }

 private:
  uint32_t imported_ = 0;
  std::vector<std::string> names_;
  std::vector<std::optional<uint64_t>> offsets_;
};

}  // namespace edgectl::runtime::detail
