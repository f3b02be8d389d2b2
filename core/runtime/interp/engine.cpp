// The interp engine's load(): inspect, validate with the runtime's features, check every
// import against WASI preview1 and the allowed host modules (all offenders at once), then
// decode once with wabt into the Module every thread instantiates from. Modules are cached
// by sha256.
#include <algorithm>
#include <limits>
#include <mutex>

#include "runtime/detail/module_checks.hpp"
#include "runtime/interp/detail/interp_module.hpp"
#include "runtime/interp/interp.hpp"
#include "runtime/host/host.hpp"
#include "util/sha256.hpp"

namespace edgectl::runtime::interp {
namespace {

constexpr std::string_view kDefaultFilename = "module.wasm";
// What info().largest_functions keeps, as inspect() does by default.
constexpr size_t kLargestFunctionsKept = wasm::kDefaultLargestFunctions;

vm::Features vm_features(wasm::FeatureSet set) {
  auto has = [&](wasm::Feature f) { return (set & static_cast<wasm::FeatureSet>(f)) != 0; };
  vm::Features out;
  out.mutable_globals = has(wasm::Feature::MutableGlobals);
  out.sign_ext = has(wasm::Feature::SignExt);
  out.sat_float_to_int = has(wasm::Feature::SatFloatToInt);
  out.bulk_memory = has(wasm::Feature::BulkMemory);
  out.multi_value = has(wasm::Feature::MultiValue);
  out.reference_types = has(wasm::Feature::ReferenceTypes);
  out.simd = has(wasm::Feature::Simd);
  return out;
}

class InterpEngine final : public Engine {
 public:
  std::string_view name() const override { return "interp"; }
  Result<std::shared_ptr<const Module>> load(std::span<const uint8_t> bytes,
                                             const LoadOptions& options) override;

 private:
  detail::ModuleMemo<InterpModule> memo_;
};

Result<std::shared_ptr<const Module>> InterpEngine::load(std::span<const uint8_t> bytes,
                                                         const LoadOptions& options) {
  const std::string filename = options.name.empty() ? std::string(kDefaultFilename) : options.name;
  LoadOptions hashed = options;
  if (hashed.sha256.empty()) hashed.sha256 = sha256_hex(bytes);
  const std::string& sha = hashed.sha256;
  if (auto hit = memo_.find(sha, options, filename, name()); !hit || *hit) return hit;

  auto info = detail::check_module(bytes, filename, hashed, name());
  if (!info) return std::move(info).error();

  std::string error;
  auto code = vm::Code::decode(bytes.data(), bytes.size(), filename,
                               vm_features(wasm::runtime_features()), &error);
  if (!code) return Error(filename + ": " + error);
  auto module = std::make_shared<InterpModule>(std::move(*info), std::move(code), filename);

  return memo_.keep(sha, std::move(module));
}

}  // namespace

InterpModule::InterpModule(wasm::ModuleInfo info, std::shared_ptr<const vm::Code> code,
                           std::string filename)
    : info_(std::move(info)),
      code_(std::move(code)),
      filename_(std::move(filename)),
      names_(info_) {
  for (const auto& import : info_.imports) {
    if (import.kind != wasm::ExternKind::Func) continue;
    if (import.module == host::kModuleName) {
      if (auto index = host::find_function(import.name)) bindings_.push_back({true, *index});
    } else if (auto index = wasi::find_function(import.name)) {
      bindings_.push_back({false, *index});
    }
  }
  if (info_.largest_functions.size() > kLargestFunctionsKept)
    info_.largest_functions.resize(kLargestFunctionsKept);
  const auto& exports = code_->exports();
  for (size_t i = 0; i < exports.size(); ++i) exports_.emplace(exports[i].name, i);
}

std::optional<uint32_t> InterpModule::find_function_export(std::string_view name) const {
  auto it = exports_.find(name);
  if (it == exports_.end()) return std::nullopt;
  const vm::Export& e = code_->exports()[it->second];
  if (e.kind != vm::ExternKind::Func) return std::nullopt;
  return e.index;
}

Result<uint32_t> InterpModule::function_export(std::string_view name) const {
  auto it = exports_.find(name);
  if (it == exports_.end()) return detail::no_such_export(info_, filename_, name);
  const vm::Export& e = code_->exports()[it->second];
  if (e.kind != vm::ExternKind::Func) {
    static constexpr std::string_view kKinds[] = {"function", "table", "memory", "global", "tag"};
    return Error("export '" + std::string(name) + "' is a " +
                 std::string(kKinds[static_cast<size_t>(e.kind)]) + ", not a function");
  }
  for (const auto* list : {&e.sig.params, &e.sig.results})
    for (auto t : *list)
      if (t != vm::ValType::I32 && t != vm::ValType::I64 && t != vm::ValType::F32 &&
          t != vm::ValType::F64)
        return Error("export '" + std::string(name) +
                     "' takes or returns v128 or reference values, which cannot be passed here");
  return e.index;
}

Result<FuncType> InterpModule::export_function(std::string_view name) const {
  auto index = function_export(name);
  if (!index) return std::move(index).error();
  const vm::Export& e = code_->exports()[exports_.find(name)->second];
  auto convert = [](const std::vector<vm::ValType>& in) {
    std::vector<ValueType> out;
    for (auto t : in)
      out.push_back(t == vm::ValType::I32   ? ValueType::I32
                    : t == vm::ValType::I64 ? ValueType::I64
                    : t == vm::ValType::F32 ? ValueType::F32
                                            : ValueType::F64);
    return out;
  };
  return FuncType{convert(e.sig.params), convert(e.sig.results)};
}


std::unique_ptr<Engine> make_engine() {
  return std::make_unique<InterpEngine>();
}

}  // namespace edgectl::runtime::interp
