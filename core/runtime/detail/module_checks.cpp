// Load- and instantiate-time checks shared by the engines (see module_checks.hpp).
#include "runtime/detail/module_checks.hpp"

#include "runtime/host/host.hpp"

#include <algorithm>
#include <limits>

namespace edgectl::runtime::detail {
namespace {

constexpr uint64_t kWasmPageBytes = 64 * 1024;
constexpr uint64_t kWasm32MaxPages = 65536;  // 4 GiB: no cap at all for a 32-bit memory

std::string wasi_signature(const wasi::FunctionSpec& spec) {
  wasm::FuncSignature sig;
  for (auto p : spec.params) sig.params.emplace_back(p == wasi::ParamType::I32 ? "i32" : "i64");
  if (spec.returns_errno) sig.results.emplace_back("i32");
  return sig.to_string();
}

}  // namespace

Status check_imports(const wasm::ModuleInfo& info, const LoadOptions& options,
                     const std::string& filename, std::string_view engine) {
  wasm::ImportPolicy policy;
  policy.allowed_modules.insert(options.host_modules.begin(), options.host_modules.end());
  policy.allowed_modules.insert(std::string(host::kModuleName));  // always bound (docs/host-api.md)
  std::vector<Diagnostic> diags;
  if (auto s = wasm::check_imports(info, policy, filename); !s) diags = s.error().diagnostics();

  for (const auto& import : info.imports) {
    const std::string what = "import '" + import.module + "." + import.name + "'";
    auto refuse = [&](std::string message, std::string note = {}) {
      Diagnostic d{Severity::Error, std::move(message), WasmLocation{filename, import.offset}, {}};
      if (!note.empty()) d.notes.push_back(std::move(note));
      diags.push_back(std::move(d));
    };
    if (import.module == wasi::kModuleName) {
      if (import.kind != wasm::ExternKind::Func) {
        refuse(what + " is a " + std::string(wasm::to_string(import.kind)) +
               ": WASI preview1 provides only functions");
        continue;
      }
      auto index = wasi::find_function(import.name);
      if (!index) {
        refuse(what + " is not a WASI preview1 function",
               "the runtime implements wasi_snapshot_preview1 only (not preview2 or wasix)");
        continue;
      }
      const std::string expected = wasi_signature(wasi::preview1_functions()[*index]);
      if (import.signature != expected)
        refuse(what + " has type " + import.signature + ", but WASI preview1 declares " + expected);
    } else if (import.module == host::kModuleName) {
      if (import.kind != wasm::ExternKind::Func) {
        refuse(what + " is a " + std::string(wasm::to_string(import.kind)) + ": the edgectl host module provides only functions");
        continue;
      }
      auto index = host::find_function(import.name);
      if (!index) {
        refuse(what + " is not a function of the edgectl host API version " + std::to_string(host::kApiVersion),
               "see docs/host-api.md for the functions and their signatures");
        continue;
      }
      const std::string expected = host::signature(host::functions()[*index]);
      if (import.signature != expected)
        refuse(what + " has type " + import.signature + ", but the edgectl host API declares " + expected);
    } else if (options.host_modules.contains(import.module)) {
      refuse(what + ": host module '" + import.module + "' is allowed but has no bindings in the " +
             std::string(engine) + " engine yet");
    }
  }
  if (diags.empty()) return {};
  // Module order. Each diagnostic is about a different import, so no two offsets are equal.
  std::sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    auto offset = [](const Diagnostic& d) {
      const auto* at = std::get_if<WasmLocation>(&d.location);
      return at ? at->offset : 0;
    };
    return offset(a) < offset(b);
  });
  return Error(std::move(diags));
}

Result<wasm::ModuleInfo> check_module(std::span<const uint8_t> bytes, const std::string& filename,
                                      const LoadOptions& options, std::string_view engine) {
  wasm::InspectOptions every_function;
  every_function.top = std::numeric_limits<size_t>::max();  // names and offsets for traps
  every_function.sha256 = options.sha256;
  auto info = wasm::inspect(bytes, filename, every_function);
  if (!info) return std::move(info).error();
  if (auto s = wasm::validate(bytes, filename, wasm::runtime_features()); !s)
    return std::move(s).error();
  if (auto s = check_imports(*info, options, filename, engine); !s) return std::move(s).error();
  return info;
}

Result<wasm::ModuleInfo> check_module_validated(std::span<const uint8_t> bytes,
                                                const std::string& filename,
                                                const LoadOptions& options, std::string_view engine) {
  wasm::InspectOptions every_function;
  every_function.top = std::numeric_limits<size_t>::max();
  every_function.skip_code = true;  // valid already: no instruction needs a look
  every_function.sha256 = options.sha256;
  auto info = wasm::inspect(bytes, filename, every_function);
  if (!info) return std::move(info).error();
  if (auto s = check_imports(*info, options, filename, engine); !s) return std::move(s).error();
  return info;
}

Result<std::unique_ptr<wasi::WasiCtx>> or_default_wasi(std::unique_ptr<wasi::WasiCtx> wasi) {
  if (wasi) return wasi;
  return wasi::WasiCtx::create(wasi::WasiConfig{});
}

Status check_start(const Module& module, const std::string& filename) {
  auto exports_function = [&](std::string_view name) {
    return std::any_of(module.info().exports.begin(), module.info().exports.end(), [&](const auto& e) {
      return e.name == name && e.kind == wasm::ExternKind::Func;
    });
  };
  if (!exports_function("_start")) {
    Error error("'" + filename + "' has no '_start' function: it is not a WASI command");
    if (exports_function("_initialize"))
      error.note("it exports _initialize (a reactor): call one of its exports instead");
    return error;
  }
  auto type = module.export_function("_start");
  if (!type) return std::move(type).error();
  if (!type->params.empty() || !type->results.empty())
    return Error("'_start' of '" + filename + "' must take and return nothing");
  return {};
}

Status check_args(std::string_view export_name, const FuncType& type, std::span<const Value> args) {
  const std::string name(export_name);
  if (args.size() != type.params.size())
    return Error("'" + name + "' takes " + std::to_string(type.params.size()) + " argument" +
                 (type.params.size() == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
  for (size_t i = 0; i < args.size(); ++i)
    if (type_of(args[i]) != type.params[i])
      return Error("argument " + std::to_string(i + 1) + " of '" + name + "' must be " +
                   std::string(to_string(type.params[i])) + ", got " +
                   std::string(to_string(type_of(args[i]))));
  return {};
}

Error no_such_export(const wasm::ModuleInfo& info, const std::string& filename, std::string_view name) {
  std::string functions;
  for (const auto& e : info.exports)
    if (e.kind == wasm::ExternKind::Func) functions += (functions.empty() ? "" : ", ") + e.name;
  Error error("'" + filename + "' has no export named '" + std::string(name) + "'");
  return std::move(error).note(functions.empty() ? "it exports no functions"
                                                 : "its function exports: " + functions);
}

uint64_t memory_cap_pages(const Limits& limits) {
  return limits.max_memory_bytes
             ? std::min(*limits.max_memory_bytes / kWasmPageBytes, kWasm32MaxPages)
             : kWasm32MaxPages;
}

Status check_initial_memory(const wasm::ModuleInfo& info, const Limits& limits,
                            const std::string& filename) {
  const uint64_t cap_pages = memory_cap_pages(limits);
  for (const auto& memory : info.memories)
    if (memory.initial > cap_pages)
      return Error("'" + filename + "' needs " +
                   format_byte_size({memory.initial * kWasmPageBytes}) + " of initial memory (" +
                   std::to_string(memory.initial) + " pages), over the memory limit of " +
                   format_byte_size({cap_pages * kWasmPageBytes}));
  return {};
}

FunctionNames::FunctionNames(const wasm::ModuleInfo& info) {
  for (const auto& import : info.imports) {
    if (import.kind != wasm::ExternKind::Func) continue;
    names_.push_back(import.module + "." + import.name);
    ++imported_;
  }
  names_.resize(imported_ + info.function_count);
  offsets_.resize(names_.size());
  for (const auto& f : info.largest_functions) {
    if (f.index >= names_.size()) continue;
    if (!f.name.empty()) names_[f.index] = f.name;
    offsets_[f.index] = f.offset;
  }
  // Without a name section, an export's name still says more than "func[3]".
  for (const auto& e : info.exports)
    if (e.kind == wasm::ExternKind::Func && e.index < names_.size() && names_[e.index].empty())
      names_[e.index] = e.name;
}

std::string FunctionNames::name(uint32_t index) const {
  if (index < names_.size() && !names_[index].empty()) return names_[index];
  return "func[" + std::to_string(index) + "]";
}

std::optional<uint64_t> FunctionNames::body_offset(uint32_t index) const {
  return index < offsets_.size() ? offsets_[index] : std::nullopt;
}

}  // namespace edgectl::runtime::detail
