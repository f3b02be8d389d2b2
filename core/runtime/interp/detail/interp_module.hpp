#pragma once
// The interp engine's Module, shared by engine.cpp (which makes it) and instance.cpp (which
// instantiates it). Upper half: edgectl types only; wabt lives behind vm.hpp.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/detail/module_checks.hpp"
#include "runtime/interp/vm/vm.hpp"
#include "runtime/runtime.hpp"

namespace edgectl::runtime::interp {

// The engine's call-depth ceiling, used when Limits::max_call_depth is unset and as its
// upper bound: every call reserves a frame vector of the depth (40 bytes a frame, 4 MB here).
inline constexpr uint32_t kEngineMaxCallDepth = 100'000;

class InterpModule final : public Module, public std::enable_shared_from_this<InterpModule> {
 public:
  // `info` comes from inspect() with every function listed (for names and body offsets);
  // the constructor keeps the usual top 10 in info().largest_functions.
  InterpModule(wasm::ModuleInfo info, std::shared_ptr<const vm::Code> code, std::string filename);

  const wasm::ModuleInfo& info() const override { return info_; }
  std::string_view engine() const override { return "interp"; }
  Result<FuncType> export_function(std::string_view name) const override;
  Result<std::unique_ptr<Instance>> instantiate(std::unique_ptr<wasi::WasiCtx> wasi,
                                                const Limits& limits) const override;

  const std::shared_ptr<const vm::Code>& code() const { return code_; }
  const std::string& filename() const { return filename_; }
  // The function an export names, checked to be a function invoke() can call.
  Result<uint32_t> function_export(std::string_view name) const;
  std::optional<uint32_t> find_function_export(std::string_view name) const;
  // From the name section; else an export's name or an import's "module.name"; else
  // "func[INDEX]".
  std::string function_name(uint32_t index) const { return names_.name(index); }
  std::optional<uint64_t> body_offset(uint32_t index) const { return names_.body_offset(index); }
  // What each import is bound to: a preview1_functions() index, or (edgectl) a
  // host::functions() index. load() refuses any other import.
  struct Binding {
    bool edgectl = false;
    size_t index = 0;
  };
  const std::vector<Binding>& bindings() const { return bindings_; }

 private:
  wasm::ModuleInfo info_;
  std::shared_ptr<const vm::Code> code_;
  std::string filename_;
  detail::FunctionNames names_;
  std::vector<Binding> bindings_;
  std::map<std::string, size_t, std::less<>> exports_;  // name -> position in code_->exports()
};

}  // namespace edgectl::runtime::interp
