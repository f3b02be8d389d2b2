// In-process `wasm-opt`, on binaryen 108's C API. The one file that includes binaryen-c.h.
// Why it looks like this:
// - binaryen's optimize/shrink levels and debug-info flag are process globals, so one mutex
//   guards set-levels + optimize + write, and the globals are restored afterwards;
// - binaryen 108 calls _Exit(1) on malformed input (no THROW_ON_FATAL), so every module is
//   validated with wabt first, with the same feature set binaryen gets;
// - the feature set is explicit: exactly what edgectl's engines run (runtime_features()),
//   never BinaryenFeatureAll(), so the optimizer cannot emit instructions we cannot run;
// - libbinaryen.so is loaded with dlopen on first use, not linked: loading it (relocations
//   and page faults of a ~10 MB library) costs ~8 ms, which every `edgectl run` and every
//   server start would otherwise pay for a library only `build` uses.
#include <binaryen-c.h>
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <optional>

#include "wasm/wasm.hpp"

namespace edgectl::wasm {
namespace {

// The binaryen C functions this file uses, resolved from libbinaryen.so by name.
#define EDGECTL_BINARYEN_FUNCTIONS(X) \
  X(FeatureMVP) \
  X(FeatureMutableGlobals) \
  X(FeatureSignExt) \
  X(FeatureNontrappingFPToInt) \
  X(FeatureBulkMemory) \
  X(FeatureMultivalue) \
  X(FeatureReferenceTypes) \
  X(FeatureSIMD128) \
  X(GetOptimizeLevel) \
  X(GetShrinkLevel) \
  X(GetDebugInfo) \
  X(SetOptimizeLevel) \
  X(SetShrinkLevel) \
  X(SetDebugInfo) \
  X(ModuleRead) \
  X(ModuleSetFeatures) \
  X(ModuleGetFeatures) \
  X(ModuleValidate) \
  X(ModuleOptimize) \
  X(ModuleAllocateAndWrite) \
  X(ModuleDispose)

struct BinaryenApi {
#define EDGECTL_DECLARE(name) decltype(&Binaryen##name) name = nullptr;
  EDGECTL_BINARYEN_FUNCTIONS(EDGECTL_DECLARE)
#undef EDGECTL_DECLARE
};

// Loads libbinaryen.so once, on first use; the table is immutable afterwards.
Result<const BinaryenApi*> binaryen_api() {
  static std::once_flag once;
  static BinaryenApi api;
  static std::optional<std::string> failure;
  std::call_once(once, [] {
    void* lib = ::dlopen(EDGECTL_BINARYEN_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = ::dlopen("libbinaryen.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = ::dlerror();
      failure = std::string("cannot load binaryen: ") + (why ? why : "unknown error");
      return;
    }
#define EDGECTL_RESOLVE(name)                                                     \
  api.name = reinterpret_cast<decltype(api.name)>(::dlsym(lib, "Binaryen" #name)); \
  if (!api.name) {                                                               \
    failure = "libbinaryen.so has no Binaryen" #name " (binaryen 108 expected)";  \
    return;                                                                       \
  }
    EDGECTL_BINARYEN_FUNCTIONS(EDGECTL_RESOLVE)
#undef EDGECTL_RESOLVE
  });
  if (failure) return Error(*failure).note("install binaryen: apt-get install binaryen");
  return &api;
}

std::mutex g_binaryen_mutex;  // guards binaryen's global optimization options

BinaryenFeatures to_binaryen(const BinaryenApi& api, FeatureSet set) {
  BinaryenFeatures f = api.FeatureMVP();
  auto has = [&](Feature x) { return (set & static_cast<FeatureSet>(x)) != 0; };
  if (has(Feature::MutableGlobals)) f |= api.FeatureMutableGlobals();
  if (has(Feature::SignExt)) f |= api.FeatureSignExt();
  if (has(Feature::SatFloatToInt)) f |= api.FeatureNontrappingFPToInt();
  if (has(Feature::BulkMemory)) f |= api.FeatureBulkMemory();
  if (has(Feature::MultiValue)) f |= api.FeatureMultivalue();
  if (has(Feature::ReferenceTypes)) f |= api.FeatureReferenceTypes();
  if (has(Feature::Simd)) f |= api.FeatureSIMD128();
  return f;
}

struct Levels {
  int optimize;
  int shrink;
};

Levels levels_of(OptLevel level) {
  switch (level) {
    case OptLevel::O0: return {0, 0};
    case OptLevel::O1: return {1, 0};
    case OptLevel::O2: return {2, 0};
    case OptLevel::O3: return {3, 0};
    case OptLevel::O4: return {4, 0};
    case OptLevel::Os: return {2, 1};
    case OptLevel::Oz: return {2, 2};  // as wasm-opt's -Oz (optimization-options.h)
  }
  return {2, 2};
}

// Restores binaryen's global options when the optimization ends, however it ends.
struct GlobalOptionsGuard {
  explicit GlobalOptionsGuard(const BinaryenApi& a) : api(a) {}
  const BinaryenApi& api;
  int optimize = api.GetOptimizeLevel();
  int shrink = api.GetShrinkLevel();
  bool debug = api.GetDebugInfo();
  ~GlobalOptionsGuard() {
    api.SetOptimizeLevel(optimize);
    api.SetShrinkLevel(shrink);
    api.SetDebugInfo(debug);
  }
};

}  // namespace

std::optional<OptLevel> parse_opt_level(std::string_view text) {
  if (text.size() == 2 && (text[0] == 'O' || text[0] == 'o')) text.remove_prefix(1);
  if (text == "0") return OptLevel::O0;
  if (text == "1") return OptLevel::O1;
  if (text == "2") return OptLevel::O2;
  if (text == "3") return OptLevel::O3;
  if (text == "4") return OptLevel::O4;
  if (text == "s") return OptLevel::Os;
  if (text == "z") return OptLevel::Oz;
  return std::nullopt;
}

std::string_view to_string(OptLevel level) {
  switch (level) {
    case OptLevel::O0: return "O0";
    case OptLevel::O1: return "O1";
    case OptLevel::O2: return "O2";
    case OptLevel::O3: return "O3";
    case OptLevel::O4: return "O4";
    case OptLevel::Os: return "Os";
    case OptLevel::Oz: return "Oz";
  }
  return "Oz";
}

Result<Bytes> optimize(std::span<const uint8_t> bytes, const std::string& filename,
                       const OptimizeOptions& options) {
  const FeatureSet features = options.features ? options.features : runtime_features();
  // Never hand binaryen bytes wabt has not accepted: binaryen 108 would exit the process.
  if (options.input == InputCheck::Validate) {
    if (auto ok = validate(bytes, filename, features); !ok) return std::move(ok).error();
  }
  if (options.level == OptLevel::O0) return Bytes(bytes.begin(), bytes.end());

  Bytes out;
  {
    auto loaded = binaryen_api();
    if (!loaded) return std::move(loaded).error();
    const BinaryenApi& api = **loaded;
    std::lock_guard lock(g_binaryen_mutex);
    GlobalOptionsGuard restore(api);
    // BinaryenModuleRead takes a non-const pointer but does not write through it.
    Bytes input(bytes.begin(), bytes.end());
    BinaryenModuleRef module = api.ModuleRead(reinterpret_cast<char*>(input.data()), input.size());
    api.ModuleSetFeatures(module, api.ModuleGetFeatures(module) | to_binaryen(api, features));
    if (!api.ModuleValidate(module)) {
      api.ModuleDispose(module);
      return Error("binaryen rejected the module (a feature outside edgectl's runtime set?)",
                   FileLocation{filename});
    }
    const Levels levels = levels_of(options.level);
    api.SetOptimizeLevel(levels.optimize);
    api.SetShrinkLevel(levels.shrink);
    api.SetDebugInfo(options.keep_names == KeepNames::Yes);
    api.ModuleOptimize(module);
    if (!api.ModuleValidate(module)) {
      api.ModuleDispose(module);
      return Error("internal: binaryen produced an invalid module", FileLocation{filename});
    }
    BinaryenModuleAllocateAndWriteResult written = api.ModuleAllocateAndWrite(module, nullptr);
    out.assign(static_cast<uint8_t*>(written.binary), static_cast<uint8_t*>(written.binary) + written.binaryBytes);
    std::free(written.binary);
    if (written.sourceMap) std::free(written.sourceMap);
    api.ModuleDispose(module);
  }
  // As wasm-opt does after its passes: the output must validate too (with wabt, here).
  if (auto ok = validate(out, filename, features); !ok)
    return Error("internal: optimized module does not validate: " + ok.error().message(), FileLocation{filename});
  return out;
}

}  // namespace edgectl::wasm
