#pragma once
// The embedded runtime: Engine → Module → Instance.
//   - An Engine compiles bytes into a Module: validated, imports checked against the
//     policy (WASI and declared host modules only, each offender named), cached by sha256.
//   - A Module is immutable and shared across threads; it makes Instances cheaply and many
//     times, concurrently from any number of threads.
//   - An Instance belongs to the thread that made it. It runs `_start` or an export under
//     Limits, with its own WASI context, and returns a typed outcome: returned values, a
//     guest exit code, or a typed Trap. A trap, limit or misbehaving guest never takes the
//     host down and leaves nothing behind for the next instance.
// runtime knows nothing of HTTP; the server drives it through these types.
#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/wasi/wasi.hpp"
#include "util/error.hpp"
#include "util/units.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::runtime {

// Resource limits for one instance. Defaults live in Limits::defaults(); each rule is next
// to its field.
struct Limits {
  // Linear memory cap in bytes (rounded down to whole 64 KiB pages). memory.grow past it
  // returns -1 to the guest (as the spec requires of a failed grow); a module whose initial
  // memory exceeds it fails to instantiate.
  std::optional<uint64_t> max_memory_bytes;
  // Wall-clock limit for each entry into the guest: the wasm start function while
  // instantiating, then each run_start() or invoke() (a reactor's _initialize included in the
  // first). Exceeding it traps Timeout; blocking WASI calls return early at the deadline.
  std::optional<Duration> timeout;
  // Instruction budget for the instance's whole life (interp: executed instructions, counted
  // exactly). Exhausting it traps OutOfFuel.
  std::optional<uint64_t> fuel;
  // Maximum call depth (frames). Deeper recursion traps StackOverflow instead of
  // overflowing any host stack. Unset, or above the engine's own ceiling: that ceiling
  // (interp: 100,000).
  std::optional<uint32_t> max_call_depth;

  static Limits defaults();  // 256 MiB memory, no timeout, no fuel, 10,000 frames
};

enum class TrapKind {
  Exit,               // not an error: proc_exit (RunOutcome::exit_code holds the code)
  OutOfFuel,
  Timeout,
  StackOverflow,
  MemoryOutOfBounds,
  Unreachable,
  IntegerDivideByZero,
  IntegerOverflow,
  InvalidConversion,
  IndirectCallTypeMismatch,
  UndefinedElement,   // call_indirect / table access out of bounds or null
  HostError,          // a host function failed (bad WASI call made fatal, proc_raise, ...)
  Other,
};
// Stable, greppable names: "out of fuel", "timeout", "stack overflow", ...
std::string_view to_string(TrapKind kind);

struct Trap {
  TrapKind kind = TrapKind::Other;
  std::string message;                  // the engine's words
  std::string function;                 // from the name section, or "func[INDEX]"
  std::optional<uint32_t> function_index;
  // Module byte offset, when the engine knows it. interp: the start of the trapping
  // function's body (wabt's interpreter runs its own bytecode and cannot point at the
  // instruction itself).
  std::optional<uint64_t> code_offset;
};

// One line for logs and the CLI: "<kind>: <message>", or the message alone when it already
// starts with the kind ("out of bounds memory access: access at 65536+4 >= ...").
std::string describe(const Trap& trap);

using Value = std::variant<int32_t, int64_t, float, double>;
// Decimal integers (i32 and i64 signed, as wasmtime prints them); floats as the shortest
// decimal that reads back to the same value, and nan, inf, -inf.
std::string format_value(const Value& v);

// The value types an export can take or return through invoke(); v128 and references cannot.
enum class ValueType { I32, I64, F32, F64 };
std::string_view to_string(ValueType type);  // "i32", ...
ValueType type_of(const Value& v);
// Parses a command-line argument as `type`: integers in decimal or 0x hex (i32 also accepts
// 2^31..2^32-1 as their two's complement), floats in C's syntax plus nan, inf, -inf.
std::optional<Value> parse_value(std::string_view text, ValueType type);

// An exported function's signature, for callers that build arguments (edgectl run --invoke).
struct FuncType {
  std::vector<ValueType> params;
  std::vector<ValueType> results;
};
// Parses command-line arguments for a function of type `type`, each with parse_value().
// Error: the wrong number of arguments, or one that does not parse (naming it).
Result<std::vector<Value>> parse_args(const FuncType& type, std::span<const std::string> args);

struct RunOutcome {
  enum class Status { Returned, Exited, Trapped } status = Status::Returned;
  uint32_t exit_code = 0;      // Exited: the guest's proc_exit code; Returned: 0
  std::vector<Value> results;  // Returned from an export
  std::optional<Trap> trap;    // Trapped
  std::chrono::nanoseconds instantiate_time{0};
  std::chrono::nanoseconds run_time{0};
  uint64_t fuel_used = 0;      // instructions executed, counted only when fuel is limited (else 0)
  std::string_view engine;     // which engine ran it: "interp" or "aot"
};

class Instance {
 public:
  virtual ~Instance() = default;
  // Runs `_start` (a WASI command). Returning normally is exit code 0. Error: no `_start`
  // export of type () -> () (the guest did not run).
  virtual Result<RunOutcome> run_start() = 0;
  // Calls an export with typed arguments (checked against its signature). A reactor (a
  // module exporting `_initialize`) is initialised first, once per instance. Error: no such
  // function export, or arguments that do not match (the guest did not run).
  virtual Result<RunOutcome> invoke(std::string_view export_name, std::span<const Value> args) = 0;
  virtual wasi::WasiCtx& wasi() = 0;
  // The size of the guest's linear memory (memory 0) now, in bytes: what this instance
  // holds after _start (edgectl bench's memory per instance). 0 without a memory.
  virtual uint64_t memory_bytes() const = 0;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual const wasm::ModuleInfo& info() const = 0;
  // The engine its next instance runs on: "interp" or "aot" (auto: changes when the
  // background compile finishes).
  virtual std::string_view engine() const = 0;
  const std::string& sha256() const { return info().sha256; }
  // The signature of an exported function. Error: no such function export, or one that
  // takes or returns a type invoke() cannot pass (v128, references).
  virtual Result<FuncType> export_function(std::string_view name) const = 0;
  // A fresh instance on the calling thread, which must also be the thread that destroys it.
  // `wasi` may be null for a module that imports nothing from WASI (a default context is
  // made). Errors: memory over the limit, a failing start function or data segment (as a
  // trap message), WASI setup errors.
  virtual Result<std::unique_ptr<Instance>> instantiate(std::unique_ptr<wasi::WasiCtx> wasi,
                                                        const Limits& limits) const = 0;
  // Why this module runs on the interpreter although native code was wanted (the auto
  // engine's compile failed); empty when it did not fail.
  virtual std::string native_failure() const { return {}; }
  // "optimized" or "quick" for native code (aot), empty on the interpreter.
  virtual std::string_view native_tier() const { return {}; }
};

struct LoadOptions {
  // Import modules allowed besides wasi_snapshot_preview1 (e.g. "edgectl", later).
  std::set<std::string> host_modules;
  std::string name;  // for diagnostics (file name)
  // The sha256 (hex) of the bytes, when the caller has it already: engines use it instead
  // of hashing the bytes again. It must be right.
  std::string sha256;
  // Things worth telling a user that are not errors: "no C compiler: using the interpreter",
  // "compiling in the background", "now running native code". May be called from a
  // background thread (auto engine) while the Engine lives.
  std::function<void(std::string_view)> on_notice;
  // Things that went wrong without failing the load: native code that could not be made
  // (the module runs on the interpreter). Unset: they go to on_notice.
  std::function<void(std::string_view)> on_warning;
  // aot: an Error instead of running on the interpreter when native code cannot be made.
  bool native_only = false;
  // aot: the quick native tier (-O0; see aot::Tier) instead of the optimized one.
  bool quick_native = false;
  // aot: set (from another thread) to stop this load's compile; it then fails. Unset: the
  // engine's own cancel flag.
  const std::atomic<bool>* cancel = nullptr;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;  // "interp", "aot", "auto"
  // Validates, checks imports (unknown WASI functions and non-WASI modules are refused,
  // each named) and compiles. The same bytes give the same cached Module (sha256 key).
  virtual Result<std::shared_ptr<const Module>> load(std::span<const uint8_t> bytes,
                                                     const LoadOptions& options) = 0;
};

// The engines this build has:
//   "interp": wabt's interpreter; loads at once, counts fuel exactly.
//   "aot": wasm2c + the system C compiler, cached on disk (core/runtime/aot/aot.hpp); no
//          fuel counting. Without a toolchain it loads with the interpreter (and says so).
//   "auto": the interpreter at once, native code for new instances as soon as the background
//          compile is done (at once on a cache hit); the interpreter for any fuel limit.
Result<std::unique_ptr<Engine>> make_engine(std::string_view name);
inline constexpr std::string_view kDefaultEngine = "auto";

}  // namespace edgectl::runtime
