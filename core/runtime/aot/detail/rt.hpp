#pragma once
// edgectl's runtime support for wasm2c output (the wasm_rt_* functions and the WASI imports
// the compiled modules link against, defined in rt.cpp). wabt's own wasm-rt-impl.c keeps the
// trap jmp_buf, the call depth and the signal stack in process globals; here every piece of
// that state is per thread, so any number of threads run guests at once:
//   - traps unwind with siglongjmp to the entry of the thread's guest call;
//   - out-of-bounds accesses hit guard pages (8 GiB reserved per memory) and stack overflow
//     hits the thread's stack guard: SIGSEGV is handled on a per-thread sigaltstack;
//   - call depth is bounded by native stack space: each compiled function compares its frame
//     address with a per-thread limit set from Limits::max_call_depth (translate.cpp);
//   - time limits: a per-thread POSIX timer (one kernel timer per thread, armed per entry)
//     sends a signal at the deadline; its handler traps at once when the thread is in guest
//     code, or marks the timeout for the next return from a host call (host code may hold
//     locks, so it is never unwound);
//   - linear memories come from a per-thread pool of reservations and are reset with
//     madvise(MADV_DONTNEED) when an instance ends, never unmapped.
// Nothing here includes wasm-rt.h but rt.cpp.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace edgectl::runtime::wasi {
class WasiCtx;
}

namespace edgectl::runtime::aot::rt {

// Why a guest call stopped. Values 1..8 are wasm2c's wasm_rt_trap_t codes.
enum class Stop : int {
  Returned = 0,
  OutOfBounds = 1,
  IntOverflow = 2,
  DivByZero = 3,
  InvalidConversion = 4,
  Unreachable = 5,
  CallIndirect = 6,
  UncaughtException = 7,
  Exhaustion = 8,
  Timeout = 100,
  Exit = 101,
  HostError = 102,
  MemoryCap = 103,  // an initial memory over the instance's cap (checked earlier; a guard)
  UndefinedIndex = 104,       // call_indirect past the table's end (translate.cpp's macro)
  NativeStackOverflow = 105,  // the thread's stack guard page, before the depth limit
  UninitializedElement = 106, // call_indirect to a null entry (translate.cpp's macro)
};

// The per-instance state the WASI imports reach through wasm2c's import-instance pointer.
struct GuestCtx {
  wasi::WasiCtx* wasi = nullptr;
  void* memory = nullptr;       // the instance's wasm_rt_memory_t (the first one), or null
  uint32_t max_pages = 65536;   // memory.grow beyond fails (returns -1)
  uint32_t exit_code = 0;       // with Stop::Exit
  std::string host_message;     // with Stop::HostError
};

struct Budget {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  uint32_t max_call_depth = 0;
  // Native stack granted per frame of max_call_depth: -O0 code (the quick tier) keeps every
  // wasm local in its frame, so it gets more.
  uint32_t bytes_per_frame = 256;
};
inline constexpr uint32_t kQuickBytesPerFrame = 1024;

struct Stopped {
  Stop stop = Stop::Returned;
  const void* pc = nullptr;  // where guest code trapped, when known
};

// The current size in bytes of ctx.memory (0 without one).
uint64_t memory_bytes(const GuestCtx& ctx);

// Runs fn(instance, arg) as guest code on this thread under the budget. fn is a function
// of the compiled module (C code: nothing to unwind). Never re-entered on one thread.
Stopped call_guest(GuestCtx& ctx, void (*fn)(void*, void*), void* instance, void* arg,
                   const Budget& budget);

}  // namespace edgectl::runtime::aot::rt
