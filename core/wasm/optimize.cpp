// In-process `wasm-opt`, on binaryen 108's C API. The one file that includes binaryen-c.h.
// Why it looks like this:
// - binaryen's optimize/shrink levels and debug-info flag are process globals, so one mutex
//   guards set-levels + optimize + write, and the globals are restored afterwards;
// - binaryen 108 calls _Exit(1) on malformed input (no THROW_ON_FATAL), so every module is
//   validated with wabt first, with the same feature set binaryen gets;
// - the feature set is explicit: exactly what edgectl's engines run (runtime_features()),
//   never BinaryenFeatureAll(), so the optimizer cannot emit instructions we cannot run.
#include <binaryen-c.h>

#include <cstdlib>
#include <mutex>

#include "wasm/wasm.hpp"

namespace edgectl::wasm {
namespace {

std::mutex g_binaryen_mutex;  // guards binaryen's global optimization options

BinaryenFeatures to_binaryen(FeatureSet set) {
  BinaryenFeatures f = BinaryenFeatureMVP();
  auto has = [&](Feature x) { return (set & static_cast<FeatureSet>(x)) != 0; };
  if (has(Feature::MutableGlobals)) f |= BinaryenFeatureMutableGlobals();
  if (has(Feature::SignExt)) f |= BinaryenFeatureSignExt();
  if (has(Feature::SatFloatToInt)) f |= BinaryenFeatureNontrappingFPToInt();
  if (has(Feature::BulkMemory)) f |= BinaryenFeatureBulkMemory();
  if (has(Feature::MultiValue)) f |= BinaryenFeatureMultivalue();
  if (has(Feature::ReferenceTypes)) f |= BinaryenFeatureReferenceTypes();
  if (has(Feature::Simd)) f |= BinaryenFeatureSIMD128();
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
  int optimize = BinaryenGetOptimizeLevel();
  int shrink = BinaryenGetShrinkLevel();
  bool debug = BinaryenGetDebugInfo();
  ~GlobalOptionsGuard() {
    BinaryenSetOptimizeLevel(optimize);
    BinaryenSetShrinkLevel(shrink);
    BinaryenSetDebugInfo(debug);
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
    std::lock_guard lock(g_binaryen_mutex);
    GlobalOptionsGuard restore;
    // BinaryenModuleRead takes a non-const pointer but does not write through it.
    Bytes input(bytes.begin(), bytes.end());
    BinaryenModuleRef module = BinaryenModuleRead(reinterpret_cast<char*>(input.data()), input.size());
    BinaryenModuleSetFeatures(module, BinaryenModuleGetFeatures(module) | to_binaryen(features));
    if (!BinaryenModuleValidate(module)) {
      BinaryenModuleDispose(module);
      return Error("binaryen rejected the module (a feature outside edgectl's runtime set?)",
                   FileLocation{filename});
    }
    const Levels levels = levels_of(options.level);
    BinaryenSetOptimizeLevel(levels.optimize);
    BinaryenSetShrinkLevel(levels.shrink);
    BinaryenSetDebugInfo(options.keep_names == KeepNames::Yes);
    BinaryenModuleOptimize(module);
    if (!BinaryenModuleValidate(module)) {
      BinaryenModuleDispose(module);
      return Error("internal: binaryen produced an invalid module", FileLocation{filename});
    }
    BinaryenModuleAllocateAndWriteResult written = BinaryenModuleAllocateAndWrite(module, nullptr);
    out.assign(static_cast<uint8_t*>(written.binary), static_cast<uint8_t*>(written.binary) + written.binaryBytes);
    std::free(written.binary);
    if (written.sourceMap) std::free(written.sourceMap);
    BinaryenModuleDispose(module);
  }
  // As wasm-opt does after its passes: the output must validate too (with wabt, here).
  if (auto ok = validate(out, filename, features); !ok)
    return Error("internal: optimized module does not validate: " + ok.error().message(), FileLocation{filename});
  return out;
}

}  // namespace edgectl::wasm
