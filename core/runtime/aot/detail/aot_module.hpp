#pragma once
// The aot engine's Module: a dlopen'ed library built from the module (see compile.cpp) and
// what edgectl needs to call into it. Shared by engine.cpp and instance.cpp.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/aot/aot.hpp"
#include "runtime/detail/module_checks.hpp"
#include "runtime/runtime.hpp"

namespace edgectl::runtime::aot {

// The engine's call-depth ceiling, as the interpreter's (used when Limits::max_call_depth is
// unset and as its bound). Native frames are small; a deeper native stack overflow still
// traps StackOverflow (the guard page, caught on the signal stack).
inline constexpr uint32_t kEngineMaxCallDepth = 100'000;

// The glue's entry points (translate.cpp writes them).
struct Library {
  void* handle = nullptr;
  size_t (*instance_size)() = nullptr;
  void (*init_module)() = nullptr;
  void* (*memory)(void*) = nullptr;
  void (*instantiate)(void*, void*) = nullptr;
  void (*free)(void*) = nullptr;
  void (*const* exports)(void*, void*) = nullptr;
  const char* const* export_types = nullptr;
  uint32_t export_count = 0;
  const void* const* functions = nullptr;
  uint32_t function_count = 0;
  const char* key = nullptr;
  ~Library();
};

// Opens `path` and checks it is the library for `key`. Error: dlopen's message, a missing
// entry point, or another key (a foreign or stale file).
Result<std::shared_ptr<Library>> open_library(const std::string& path, const std::string& key);

class AotModule final : public Module, public std::enable_shared_from_this<AotModule> {
 public:
  struct Export {
    size_t index = 0;       // into Library::exports
    bool function = false;
    bool callable = false;
    FuncType type;
  };

  // Error: the library's exports do not match the module's.
  static Result<std::shared_ptr<AotModule>> make(wasm::ModuleInfo info,
                                                 std::shared_ptr<Library> library,
                                                 std::string filename, Tier tier = Tier::Optimized);

  const wasm::ModuleInfo& info() const override { return info_; }
  std::string_view engine() const override { return "aot"; }
  std::string_view native_tier() const override { return to_string(tier_); }
  Tier tier() const { return tier_; }
  Result<FuncType> export_function(std::string_view name) const override;
  Result<std::unique_ptr<Instance>> instantiate(std::unique_ptr<wasi::WasiCtx> wasi,
                                                const Limits& limits) const override;

  const Library& library() const { return *library_; }
  const std::string& filename() const { return filename_; }
  // The export, checked to be a function invoke() can call.
  Result<const Export*> function_export(std::string_view name) const;
  const Export* find_function_export(std::string_view name) const;
  // The function whose code contains `pc` (a trap's address), if any.
  std::optional<uint32_t> function_at(const void* pc) const;
  const detail::FunctionNames& names() const { return names_; }

 private:
  AotModule(wasm::ModuleInfo info, std::shared_ptr<Library> library, std::string filename, Tier tier);

  wasm::ModuleInfo info_;
  std::shared_ptr<Library> library_;
  std::string filename_;
  Tier tier_;
  detail::FunctionNames names_;
  std::map<std::string, Export, std::less<>> exports_;
  std::vector<std::pair<uintptr_t, uint32_t>> code_starts_;  // sorted: address, function index
};

}  // namespace edgectl::runtime::aot
