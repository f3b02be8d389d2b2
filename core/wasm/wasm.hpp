#pragma once
// Reading and transforming wasm modules: inspect (sections, imports/exports, features,
// largest functions), validate (wabt), strip custom sections, optimize (binaryen, in
// process), and the checks the build gate applies (import policy, size budget).
//
// Every function here takes untrusted bytes: bad input is an Error with the byte offset
// (WasmLocation), never a crash, a hang or a huge allocation.
#include <cstdint>
#include <functional>
#include <optional>
#include <filesystem>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"
#include "util/fs.hpp"

namespace edgectl::wasm {

// Post-MVP proposals a module can use. The names are the ones wabt and binaryen print.
enum class Feature : uint32_t {
  MutableGlobals = 1u << 0,   // imported/exported mutable globals
  SignExt = 1u << 1,          // i32.extend8_s ...
  SatFloatToInt = 1u << 2,    // i32.trunc_sat_f32_s ... (nontrapping-fptoint)
  BulkMemory = 1u << 3,       // memory.copy/fill/init, data.drop, table.copy/init, elem.drop
  MultiValue = 1u << 4,       // functions or blocks with more than one result
  ReferenceTypes = 1u << 5,   // ref.null/is_null/func, table.get/set/grow/size/fill, externref
  Simd = 1u << 6,             // v128
  Threads = 1u << 7,          // atomics, shared memory
  TailCall = 1u << 8,         // return_call
  Exceptions = 1u << 9,       // try/catch/throw
  Memory64 = 1u << 10,
  MultiMemory = 1u << 11,
};
using FeatureSet = uint32_t;
std::vector<std::string> feature_names(FeatureSet set);  // e.g. {"bulk-memory", "sign-ext"}

struct SectionInfo {
  std::string name;    // "type", "import", ..., or "custom:name" / "custom:producers"
  uint8_t id = 0;      // 0 for custom sections
  uint64_t offset = 0;  // of the section id byte
  uint64_t size = 0;    // whole section including id and size bytes
};


struct FuncSignature {
  std::vector<std::string> params;
  std::vector<std::string> results;
  std::string to_string() const;  // "(i32, i32) -> i32"
};

enum class ExternKind { Func, Table, Memory, Global, Tag };
std::string_view to_string(ExternKind k);

struct ImportInfo {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  std::string signature;  // function signature, or a description of the table/memory/global
  uint64_t offset = 0;    // of the import entry, for diagnostics
};

struct ExportInfo {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
  std::string signature;
};

struct Limits {
  uint64_t initial = 0;
  std::optional<uint64_t> maximum;
  bool shared = false;
  bool is64 = false;
};

struct FunctionSize {
  uint32_t index = 0;  // in the function index space (imports first)
  std::string name;    // from the name section; empty if unknown
  uint64_t code_size = 0;
  uint64_t offset = 0;
};

// Where a module first needs a feature, e.g. {Threads, 0x1a3, "i32.atomic.rmw.add"}:
// validate() points its "module uses threads" error there.
struct FeatureUse {
  Feature feature = Feature::MutableGlobals;
  uint64_t offset = 0;
  std::string what;  // the opcode, type or declaration that needs it
};

enum class ModuleKind { Command, Reactor, Library };  // _start / _initialize / neither
std::string_view to_string(ModuleKind k);

struct ModuleInfo {
  uint64_t size = 0;
  std::string sha256;
  std::vector<SectionInfo> sections;
  std::vector<ImportInfo> imports;
  std::vector<ExportInfo> exports;
  std::vector<Limits> memories;  // imported first
  std::vector<Limits> tables;
  uint32_t function_count = 0;  // defined (not imported) functions
  FeatureSet features = 0;
  std::vector<FeatureUse> feature_uses;  // one per feature in `features`, in the order found
  std::vector<FunctionSize> largest_functions;  // InspectOptions::top largest bodies, largest first
  ModuleKind kind = ModuleKind::Library;
  bool has_names = false;  // a "name" custom section
};

// How many of the largest function bodies inspect() keeps by default.
inline constexpr size_t kDefaultLargestFunctions = 10;

struct InspectOptions {
  size_t top = kDefaultLargestFunctions;  // how many of the largest function bodies to keep
  // Skip the instructions of function bodies (their sizes and offsets are still read):
  // much faster on a large module, but feature_uses then misses what only code shows.
  // For bytes already validated (an aot cache hit).
  bool skip_code = false;
  // The sha256 of the bytes, when the caller has it (hashing a large module costs ~1 ms/MB).
  std::string sha256;
};

// Decodes the whole module with wabt's binary reader (every feature enabled), without
// keeping function bodies. `filename` is used in diagnostics. Malformed custom sections
// are skipped, as engines do; anything else malformed is an Error at its offset.
Result<ModuleInfo> inspect(std::span<const uint8_t> bytes, const std::string& filename,
                           const InspectOptions& options = {});

// Full validation (decode + type check) with wabt, with the given features enabled.
Status validate(std::span<const uint8_t> bytes, const std::string& filename, FeatureSet enabled);

// The features edgectl's engines run, and so what build accepts and optimize may emit.
FeatureSet runtime_features();

// Removes custom sections. With keep_names, the "name" section stays.
enum class KeepNames { No, Yes };
Result<Bytes> strip_custom_sections(std::span<const uint8_t> bytes, const std::string& filename,
                                    KeepNames keep_names);

// binaryen's -O levels: O0..O4, Os, Oz.
enum class OptLevel { O0, O1, O2, O3, O4, Os, Oz };
std::optional<OptLevel> parse_opt_level(std::string_view text);  // "0","1",...,"s","z","Oz"...
std::string_view to_string(OptLevel level);                       // "O0", ..., "Oz"

// Whether optimize() must validate its input with wabt first (binaryen 108 exits the process
// on malformed bytes). Callers that have just validated the same bytes say so.
enum class InputCheck { Validate, AlreadyValidated };

struct OptimizeOptions {
  OptLevel level = OptLevel::Oz;
  KeepNames keep_names = KeepNames::No;
  FeatureSet features = 0;  // 0: runtime_features()
  InputCheck input = InputCheck::Validate;
};

// Runs binaryen's optimizer in process. Validates with wabt first (binaryen 108 exits the
// process on malformed input), then validates the result again with wabt.
Result<Bytes> optimize(std::span<const uint8_t> bytes, const std::string& filename,
                       const OptimizeOptions& options);

// Compiles WebAssembly text (.wat) to a binary in process, with wabt, every runtime feature
// enabled. Errors carry file:line:col. With keep_names, a name section is written.
Result<Bytes> compile_wat(std::string_view text, const std::string& filename,
                          KeepNames keep_names = KeepNames::Yes);

// Reads a module file: a .wat file is compiled (compile_wat), anything else is returned as
// read. What `run`, `inspect` and `serve` accept.
Result<Bytes> read_module(const std::filesystem::path& path);

// Import policy: only these modules may be imported; each offending import is named.
struct ImportPolicy {
  std::set<std::string> allowed_modules{"wasi_snapshot_preview1"};
};
Status check_imports(const ModuleInfo& info, const ImportPolicy& policy, const std::string& filename);

}  // namespace edgectl::wasm
