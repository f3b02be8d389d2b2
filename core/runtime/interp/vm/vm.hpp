#pragma once
// The interp engine's lower half: wabt's interpreter behind a small interface of standard
// types only.
//
// Why the split: wabt 1.0.32's interp headers define `FreeList<T>::~FreeList<T>()`, which
// C++20 forbids and GCC 12 rejects outright. So the files that include them (vm/*.cpp) are
// built as C++17 (an object library, see core/CMakeLists.txt), and this header, which the
// C++20 upper half (engine.cpp, instance.cpp) also includes, is C++17 with no wabt types.
//
// The upper half knows edgectl: the import policy, WASI, names, Limits, typed outcomes.
// This half knows wabt: decoding into a ModuleDesc, the per-thread Store and its
// collection cadence, instantiation under memory and table caps, and the step loop that
// stops a call on fuel, on a deadline and at a call depth.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace edgectl::runtime::interp::vm {

enum class ValType : uint8_t { I32, I64, F32, F64, V128, FuncRef, ExternRef };

struct FuncSig {
  std::vector<ValType> params;
  std::vector<ValType> results;
};

// A number crossing the boundary: integers zero-extended, floats as their bit patterns.
struct Val {
  ValType type = ValType::I32;
  uint64_t bits = 0;
};

enum class ExternKind : uint8_t { Func, Table, Memory, Global, Tag };

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  FuncSig sig;  // functions only
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;  // in its kind's index space (functions: imports first)
  FuncSig sig;         // functions only
};

// The proposals the interpreter is asked to accept (edgectl's runtime_features()).
struct Features {
  bool mutable_globals = false;
  bool sign_ext = false;
  bool sat_float_to_int = false;
  bool bulk_memory = false;
  bool multi_value = false;
  bool reference_types = false;
  bool simd = false;
};

// A decoded module (wabt's ModuleDesc, with the start function taken out so that it runs
// under the instance's limits). Immutable: shared by every thread.
class Code {
 public:
  // Decodes and type-checks. On failure returns null and sets `error` to wabt's words.
  static std::shared_ptr<const Code> decode(const uint8_t* data, size_t size,
                                            const std::string& filename, const Features& features,
                                            std::string* error);
  ~Code();
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;

  const std::vector<Import>& imports() const;
  const std::vector<Export>& exports() const;
  std::optional<uint32_t> start_function() const;  // the module's start section

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Code(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What a host function (an import) did.
struct HostOutcome {
  // Exit, Trap and Timeout unwind the guest; the run stops as Exited, Trapped or Timeout.
  enum class Kind { Return, Exit, Trap, Timeout } kind = Kind::Return;
  uint64_t result = 0;     // Return: the single result, if the import has one
  uint32_t exit_code = 0;  // Exit
  std::string message;     // Trap
};

// Called for each import by its position in Code::imports(), with the caller's memory 0
// (null and 0 without one; valid for this call only: memory moves when it grows) and the
// arguments (i32 zero-extended, floats as bits).
using HostCall = std::function<HostOutcome(size_t import, uint8_t* memory, uint64_t memory_size,
                                           const uint64_t* args, size_t arg_count)>;

struct InstanceCaps {
  uint64_t memory_pages = 0;  // every memory's maximum is lowered to this
};

// Limits for one call. Fuel is counted exactly (one unit per executed instruction of
// wabt's bytecode); the deadline is checked every kSliceInstructions instructions.
struct RunBudget {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::optional<uint64_t> fuel;
  uint32_t max_call_depth = 0;
};

// How a call ended.
struct Stop {
  enum class Kind { Returned, Exited, Trapped, Timeout, OutOfFuel, StackOverflow };
  Kind kind = Kind::Returned;
  std::vector<Val> results;  // Returned
  uint32_t exit_code = 0;    // Exited
  std::string message;       // Trapped: wabt's or the host's words; StackOverflow: which stack
  bool host_trap = false;    // Trapped inside a host function
  std::optional<uint32_t> host_import;  // ... and which one (its import position)
  std::optional<uint32_t> function;     // the innermost wasm function (function index space)
  uint64_t executed = 0;                // instructions executed by this call
};

// One instance of a Code on the calling thread's Store. Not thread-safe and bound to the
// thread that made it, which must also destroy it (that is where its Store lives).
class Machine {
 public:
  // Instantiates (imports bound to `host`, memories capped). Does not run the start
  // function: call run_function(*code->start_function()) next. On failure returns null and
  // sets `error` (wabt's words: a data segment out of bounds, ...).
  static std::unique_ptr<Machine> instantiate(std::shared_ptr<const Code> code,
                                              const InstanceCaps& caps, HostCall host,
                                              std::string* error);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Calls a function by its index (imports first) with arguments of its exact types.
  Stop run_function(uint32_t function_index, const std::vector<Val>& args, const RunBudget& budget);
  uint64_t memory_bytes() const;  // memory 0, or 0

  struct Impl;

 private:
  explicit Machine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Instructions run between two deadline checks: ~100 µs of guest time in wabt's
// interpreter, so a timeout overshoots by about that, and the clock read is noise.
inline constexpr uint32_t kSliceInstructions = 10'000;

}  // namespace edgectl::runtime::interp::vm
