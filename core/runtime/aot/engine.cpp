// The aot engine's load(): the same checks as every engine, then the cached library (built
// on a miss), dlopen'ed once per process and shared by every Module of those bytes.
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "runtime/aot/aot.hpp"
#include "runtime/aot/detail/aot_module.hpp"
#include "runtime/aot/detail/cache.hpp"
#include "runtime/interp/interp.hpp"
#include "util/sha256.hpp"

namespace edgectl::runtime::aot {
namespace {

constexpr std::string_view kDefaultFilename = "module.wasm";
constexpr size_t kLargestFunctionsKept = wasm::kDefaultLargestFunctions;

template <typename T>
bool resolve(void* handle, const char* name, T& out) {
  out = reinterpret_cast<T>(::dlsym(handle, name));
  return out != nullptr;
}

std::optional<FuncType> parse_type(std::string_view letters) {
  auto colon = letters.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  FuncType t;
  for (size_t i = 0; i < letters.size(); ++i) {
    if (i == colon) continue;
    ValueType v;
    switch (letters[i]) {
      case 'i': v = ValueType::I32; break;
      case 'j': v = ValueType::I64; break;
      case 'f': v = ValueType::F32; break;
      case 'd': v = ValueType::F64; break;
      default: return std::nullopt;
    }
    (i < colon ? t.params : t.results).push_back(v);
  }
  return t;
}

class AotEngine final : public Engine {
 public:
  explicit AotEngine(const std::atomic<bool>* cancel) : cancel_(cancel) {}
  std::string_view name() const override { return "aot"; }
  Result<std::shared_ptr<const Module>> load(std::span<const uint8_t> bytes,
                                             const LoadOptions& options) override;

 private:
  Result<std::shared_ptr<const Module>> fall_back(std::span<const uint8_t> bytes,
                                                  const LoadOptions& options, const Error& why);
  Engine* interp_for_fallback();

  const std::atomic<bool>* cancel_;
  std::mutex mutex_;
  std::optional<Result<Toolchain>> toolchain_;
  std::unique_ptr<Engine> interp_;  // without a toolchain
  detail::ModuleMemo<AotModule> memo_;
};

Engine* AotEngine::interp_for_fallback() {
  std::lock_guard lock(mutex_);
  if (!interp_) interp_ = interp::make_engine();
  return interp_.get();
}

Result<std::shared_ptr<const Module>> AotEngine::fall_back(std::span<const uint8_t> bytes,
                                                           const LoadOptions& options,
                                                           const Error& why) {
  if (options.on_notice)
    options.on_notice("aot engine unavailable (" + why.message() + "): running on the interpreter");
  return interp_for_fallback()->load(bytes, options);
}

Result<std::shared_ptr<const Module>> AotEngine::load(std::span<const uint8_t> bytes,
                                                      const LoadOptions& options) {
  const std::string filename = options.name.empty() ? std::string(kDefaultFilename) : options.name;
  const Toolchain* toolchain = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!toolchain_) toolchain_ = detect_toolchain();
    if (*toolchain_) toolchain = &toolchain_->value();
  }
  if (!toolchain) {
    if (options.native_only) return toolchain_->error();
    return fall_back(bytes, options, toolchain_->error());
  }
  const Tier tier = options.quick_native ? Tier::Quick : Tier::Optimized;

  LoadOptions hashed = options;
  if (hashed.sha256.empty()) hashed.sha256 = sha256_hex(bytes);
  const std::string& sha = hashed.sha256;
  // The memo keeps one module per tier.
  const std::string memo_key = tier == Tier::Quick ? sha + ":quick" : sha;
  if (auto hit = memo_.find(memo_key, options, filename, name()); !hit || *hit) return hit;
  // A cache hit whose entry records a validation with the runtime's features skips it
  // (decoding and type-checking a large module costs as much as loading the library).
  std::optional<Compiled> hit = lookup(bytes, *toolchain, sha, tier);
  auto info = hit && hit->validated ? detail::check_module_validated(bytes, filename, hashed, name())
                                    : detail::check_module(bytes, filename, hashed, name());
  if (!info) return std::move(info).error();

  CompileOptions compile_options;
  compile_options.name = filename;
  compile_options.validated = true;  // check_module validated, now or when the entry was made
  compile_options.wasm_sha256 = sha;
  const std::atomic<bool>* cancel = options.cancel ? options.cancel : cancel_;
  compile_options.cancel = cancel;
  compile_options.tier = tier;
  if (options.on_notice)
    compile_options.on_progress = [&](std::string_view step) {
      options.on_notice("aot: " + filename + ": " + std::string(step));
    };
  std::shared_ptr<Library> library;
  for (int attempt = 0; attempt < 2 && !library; ++attempt) {
    // The entry lookup() found is used as it is (no second read of its metadata).
    Result<Compiled> compiled = attempt == 0 && hit ? Result<Compiled>(*hit)
                                                    : compile(bytes, *toolchain, compile_options);
    if (!compiled) {
      if (cancel && cancel->load()) return std::move(compiled).error();
      // A module the toolchain cannot take (wasm2c 1.0.32 aborts on v128 parameters, for
      // one) still runs: on the interpreter, saying why (a warning, with the tool's output).
      Error why("cannot compile '" + filename + "' to native code: " + compiled.error().message());
      for (const auto& d : compiled.error().diagnostics())
        for (const auto& n : d.notes) why.note(n);
      if (options.native_only) return why;
      Error shown(why.message() + "; running on the interpreter");
      for (const auto& n : why.primary().notes) shown.note(n);
      const std::string text = shown.message_with_notes();
      if (options.on_warning) options.on_warning(text);
      else if (options.on_notice) options.on_notice(text);
      return interp_for_fallback()->load(bytes, options);
    }
    auto opened = open_library(compiled->library.string(), compiled->key);
    if (opened) {
      library = std::move(opened).value();
    } else if (attempt == 0) {
      discard(compiled->key);  // corrupt or foreign: rebuild once
    } else {
      return std::move(opened).error();
    }
  }
  auto module = AotModule::make(std::move(*info), std::move(library), filename, tier);
  if (!module) return std::move(module).error();

  return memo_.keep(memo_key, std::move(module).value());
}

}  // namespace

Library::~Library() {
  if (handle) ::dlclose(handle);
}

Result<std::shared_ptr<Library>> open_library(const std::string& path, const std::string& key) {
  auto lib = std::make_shared<Library>();
  lib->handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    const char* why = ::dlerror();
    return Error("cannot load " + path + ": " + (why ? why : "dlopen failed"));
  }
  const uint32_t* export_count = nullptr;
  const uint32_t* function_count = nullptr;
  const bool complete =
      resolve(lib->handle, "edgectl_aot_key", lib->key) &&
      resolve(lib->handle, "edgectl_instance_size", lib->instance_size) &&
      resolve(lib->handle, "edgectl_init_module", lib->init_module) &&
      resolve(lib->handle, "edgectl_memory", lib->memory) &&
      resolve(lib->handle, "edgectl_instantiate", lib->instantiate) &&
      resolve(lib->handle, "edgectl_free", lib->free) &&
      resolve(lib->handle, "edgectl_exports", lib->exports) &&
      resolve(lib->handle, "edgectl_export_types", lib->export_types) &&
      resolve(lib->handle, "edgectl_export_count", export_count) &&
      resolve(lib->handle, "edgectl_functions", lib->functions) &&
      resolve(lib->handle, "edgectl_function_count", function_count);
  if (!complete) return Error(path + " is not an edgectl aot library (an entry point is missing)");
  if (key != lib->key) return Error(path + " was built for another module or edgectl (key mismatch)");
  lib->export_count = *export_count;
  lib->function_count = *function_count;
  // Registers the module's function types (process-wide, locked): once per dlopen.
  lib->init_module();
  return lib;
}

AotModule::AotModule(wasm::ModuleInfo info, std::shared_ptr<Library> library, std::string filename,
                     Tier tier)
    : info_(std::move(info)),
      library_(std::move(library)),
      filename_(std::move(filename)),
      tier_(tier),
      names_(info_) {
  if (info_.largest_functions.size() > kLargestFunctionsKept)
    info_.largest_functions.resize(kLargestFunctionsKept);
}

Result<std::shared_ptr<AotModule>> AotModule::make(wasm::ModuleInfo info,
                                                   std::shared_ptr<Library> library,
                                                   std::string filename, Tier tier) {
  if (library->export_count != info.exports.size() || library->function_count != info.function_count)
    return Error("the compiled library for '" + filename + "' does not match the module (" +
                 std::to_string(library->export_count) + " exports, " +
                 std::to_string(library->function_count) + " functions)");
  std::shared_ptr<AotModule> m(
      new AotModule(std::move(info), std::move(library), std::move(filename), tier));
  const Library& lib = *m->library_;
  for (size_t i = 0; i < m->info_.exports.size(); ++i) {
    Export e;
    e.index = i;
    std::string_view letters = lib.export_types[i];
    e.function = !letters.empty();
    if (auto t = parse_type(letters); t && lib.exports[i]) {
      e.callable = true;
      e.type = std::move(*t);
    }
    m->exports_.emplace(m->info_.exports[i].name, std::move(e));
  }
  const uint32_t imported = m->names_.imported_functions();
  for (uint32_t k = 0; k < lib.function_count; ++k)
    m->code_starts_.emplace_back(reinterpret_cast<uintptr_t>(lib.functions[k]), imported + k);
  // An export's trampoline usually has the exported function inlined into it: a trap there
  // is that function's.
  for (size_t i = 0; i < m->info_.exports.size(); ++i)
    if (lib.exports[i] && m->info_.exports[i].kind == wasm::ExternKind::Func)
      m->code_starts_.emplace_back(reinterpret_cast<uintptr_t>(lib.exports[i]), m->info_.exports[i].index);
  std::sort(m->code_starts_.begin(), m->code_starts_.end());
  return m;
}

const AotModule::Export* AotModule::find_function_export(std::string_view name) const {
  auto it = exports_.find(name);
  return it != exports_.end() && it->second.function ? &it->second : nullptr;
}

Result<const AotModule::Export*> AotModule::function_export(std::string_view name) const {
  auto it = exports_.find(name);
  if (it == exports_.end()) return detail::no_such_export(info_, filename_, name);
  if (!it->second.function)
    return Error("export '" + std::string(name) + "' is a " +
                 std::string(wasm::to_string(info_.exports[it->second.index].kind)) +
                 ", not a function");
  if (!it->second.callable)
    return Error("export '" + std::string(name) +
                 "' takes or returns v128 or reference values, which cannot be passed here");
  return &it->second;
}

Result<FuncType> AotModule::export_function(std::string_view name) const {
  auto e = function_export(name);
  if (!e) return std::move(e).error();
  return (*e)->type;
}

std::optional<uint32_t> AotModule::function_at(const void* pc) const {
  if (!pc || code_starts_.empty()) return std::nullopt;
  // Only addresses inside this library (a fault in libc's memcpy has no wasm function).
  Dl_info where{}, library{};
  if (!::dladdr(pc, &where) || !::dladdr(reinterpret_cast<const void*>(code_starts_.front().first), &library) ||
      where.dli_fbase != library.dli_fbase)
    return std::nullopt;
  // A return address may point just past a call at the end of a function: look one byte back.
  const uintptr_t at = reinterpret_cast<uintptr_t>(pc) - 1;
  auto it = std::upper_bound(code_starts_.begin(), code_starts_.end(),
                             std::make_pair(at, UINT32_MAX));
  if (it == code_starts_.begin()) return std::nullopt;
  return std::prev(it)->second;
}

std::unique_ptr<Engine> make_engine(const std::atomic<bool>* cancel) {
  return std::make_unique<AotEngine>(cancel);
}

}  // namespace edgectl::runtime::aot
