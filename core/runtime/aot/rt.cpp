// Runtime support for wasm2c output, written for a multi-threaded host (see detail/rt.hpp):
// wasm_rt_* (traps, memories, tables, function types) and the wasi_snapshot_preview1
// imports, exported from the edgectl executable (exports.list) for the modules it dlopens.
// wabt ships wasm-rt-impl.c for this, but it keeps its trap state, call depth and signal
// stack in process globals and exits the process on some errors, so edgectl has its own.
#include <wasm-rt.h>

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime/aot/detail/rt.hpp"
#include "runtime/host/host.hpp"
#include "runtime/wasi/wasi.hpp"

// The lowest frame address guest code may use on this thread: every compiled function
// checks it on entry (translate.cpp's FUNC_PROLOGUE) and traps StackOverflow below it.
extern "C" {
__thread uintptr_t edgectl_wasm_stack_limit = 0;
}

namespace edgectl::runtime::aot::rt {
namespace {

constexpr uint64_t kWasmPageBytes = 64 * 1024;
constexpr uint32_t kWasm32MaxPages = 65536;
// wasm2c (with WASM_RT_MEMCHECK_SIGNAL_HANDLER) computes data + u32 address + u32 offset
// without a bounds check: 8 GiB, plus the widest access (v128), must be mapped or guarded.
constexpr uint64_t kReservationBytes = (uint64_t{8} << 30) + kWasmPageBytes;
// The signal stack each guest thread gets: the fault handler's frames only.
constexpr size_t kAltStackBytes = 64 * 1024;
// Free reservations kept per thread for the next instances (8 GiB of address space each, of
// the 128 TiB a process has, and at most kZeroInPlaceMax resident).
constexpr size_t kPooledPerThread = 8;
// A pooled memory is reset by zeroing, in place, the pages its instance touched (mincore
// says which are resident), up to this many bytes; the kernel drops the rest. Dropping every
// page (madvise alone) made each request fault its pages back in and flush the other cores'
// TLBs: a third of the server's CPU time on a hello handler (perf, issue 5).
constexpr uint64_t kZeroInPlaceMax = 1024 * 1024;
constexpr uint32_t kNoGrow = UINT32_MAX;  // memory.grow / table.grow failure
// Kept free below the limit: the stack check fires before the guard page, and C library
// calls made from guest code (memcpy, the imports) have room.
constexpr uintptr_t kStackReserveBytes = 64 * 1024;

// Everything the signal handlers read: constant-initialised, so touching it from a handler
// never runs a TLS constructor.
struct ThreadState {
  sigjmp_buf* jmp = nullptr;
  GuestCtx* ctx = nullptr;
  volatile sig_atomic_t in_guest = 0;
  volatile sig_atomic_t timeout_pending = 0;
  const void* trap_pc = nullptr;
  bool has_deadline = false;
  timespec deadline{};
};
constinit thread_local ThreadState t_state;

// Reservations that are in use, by base address, with how much of each is read-write. A
// memory may be freed on another thread than the one that made it (contract says not, but
// a pool must not corrupt itself if it happens), so this is process-wide.
std::mutex g_used_mutex;
std::unordered_map<uint8_t*, uint64_t> g_used;

struct Region {
  uint8_t* base = nullptr;
  uint64_t accessible = 0;
};

// What a guest thread owns: its signal stack, its timer and its free reservations.
struct ThreadResources {
  void* altstack = nullptr;
  uintptr_t stack_low = 0;  // the lowest address of this thread's stack (0: unknown)
  bool has_timer = false;
  timer_t timer{};
  std::vector<Region> free;

  ~ThreadResources() {
    if (altstack) {
      stack_t disable{};
      disable.ss_flags = SS_DISABLE;
      ::sigaltstack(&disable, nullptr);
      ::munmap(altstack, kAltStackBytes);
    }
    if (has_timer) ::timer_delete(timer);
    for (const auto& r : free) ::munmap(r.base, kReservationBytes);
  }
};
thread_local ThreadResources t_resources;

struct sigaction g_previous_segv {}, g_previous_bus {};
int g_timeout_signal = 0;

const void* pc_of(void* ucontext) {
#if defined(__x86_64__)
  return reinterpret_cast<const void*>(
      static_cast<ucontext_t*>(ucontext)->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return reinterpret_cast<const void*>(static_cast<ucontext_t*>(ucontext)->uc_mcontext.pc);
#else
  (void)ucontext;
  return nullptr;
#endif
}

[[noreturn]] void unwind(Stop stop) {
  ThreadState& t = t_state;
  t.in_guest = 0;
  if (!t.jmp) {
    std::fprintf(stderr, "edgectl: internal error: a wasm trap outside a guest call\n");
    std::abort();
  }
  siglongjmp(*t.jmp, static_cast<int>(stop));
}

void on_fault(int sig, siginfo_t* info, void* ucontext) {
  ThreadState& t = t_state;
  if (t.in_guest && t.jmp) {
    auto* addr = static_cast<uint8_t*>(info->si_addr);
    Stop stop = Stop::NativeStackOverflow;  // guest code touches only its memory and its stack
    if (t.ctx && t.ctx->memory) {
      auto* mem = static_cast<wasm_rt_memory_t*>(t.ctx->memory);
      if (addr >= mem->data && addr < mem->data + kReservationBytes) stop = Stop::OutOfBounds;
    }
    t.trap_pc = pc_of(ucontext);
    unwind(stop);
  }
  // Not guest code: whatever was there before (by default, the crash a host bug deserves).
  const struct sigaction& prev = sig == SIGSEGV ? g_previous_segv : g_previous_bus;
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, ucontext);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  ::signal(sig, SIG_DFL);  // returning re-runs the access, which now takes the default action
}

bool before(const timespec& a, const timespec& b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

void on_timer(int, siginfo_t*, void* ucontext) {
  const int saved_errno = errno;
  ThreadState& t = t_state;
  if (t.has_deadline) {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    if (!before(now, t.deadline)) {  // else a late signal from an earlier entry
      if (t.in_guest && t.jmp) {
        t.trap_pc = pc_of(ucontext);
        unwind(Stop::Timeout);
      }
      t.timeout_pending = 1;  // host code: trap when it returns to the guest
    }
  }
  errno = saved_errno;
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    // SA_NODEFER: the handler leaves by siglongjmp without restoring the mask, so the
    // signal must not be blocked while it runs.
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGSEGV, &sa, &g_previous_segv);
    ::sigaction(SIGBUS, &sa, &g_previous_bus);

    g_timeout_signal = SIGRTMIN + 4;
    struct sigaction timer {};
    timer.sa_sigaction = on_timer;
    timer.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
    sigemptyset(&timer.sa_mask);
    ::sigaction(g_timeout_signal, &timer, nullptr);
  });
}

void prepare_thread() {
  ThreadResources& r = t_resources;
  if (!r.stack_low) {
    pthread_attr_t attr;
    if (::pthread_getattr_np(::pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      size_t size = 0;
      if (::pthread_attr_getstack(&attr, &addr, &size) == 0)
        r.stack_low = reinterpret_cast<uintptr_t>(addr);
      ::pthread_attr_destroy(&attr);
    }
  }
  if (!r.altstack) {
    void* stack = ::mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stack != MAP_FAILED) {
      stack_t ss{};
      ss.ss_sp = stack;
      ss.ss_size = kAltStackBytes;
      if (::sigaltstack(&ss, nullptr) == 0) r.altstack = stack;
      else ::munmap(stack, kAltStackBytes);
    }
  }
}

bool arm_timer(const timespec& deadline) {
  ThreadResources& r = t_resources;
  if (!r.has_timer) {
    sigevent ev{};
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = g_timeout_signal;
#ifdef sigev_notify_thread_id
    ev.sigev_notify_thread_id = static_cast<pid_t>(::syscall(SYS_gettid));
#else
    ev._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
#endif
    if (::timer_create(CLOCK_MONOTONIC, &ev, &r.timer) != 0) return false;
    r.has_timer = true;
  }
  itimerspec spec{};
  spec.it_value = deadline;
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  return ::timer_settime(r.timer, TIMER_ABSTIME, &spec, nullptr) == 0;
}

void disarm_timer() {
  ThreadResources& r = t_resources;
  if (!r.has_timer) return;
  itimerspec off{};
  ::timer_settime(r.timer, 0, &off, nullptr);
}

timespec to_timespec(std::chrono::steady_clock::time_point tp) {
  // libstdc++'s steady_clock is CLOCK_MONOTONIC.
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch());
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
  return ts;
}

// Host code called from the guest: never unwound by the timer (it may hold locks); the
// timeout, if it fired meanwhile, traps on the way back.
sig_atomic_t leave_guest() {
  const sig_atomic_t was = t_state.in_guest;
  t_state.in_guest = 0;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  return was;
}

void return_to_guest(sig_atomic_t was) {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_state.in_guest = was;
  if (was && t_state.timeout_pending) unwind(Stop::Timeout);
}

// --- Linear memories: reservations from the thread's pool -----------------------------------

bool set_accessible(Region& r, uint64_t bytes) {
  if (bytes > r.accessible) {
    if (::mprotect(r.base + r.accessible, bytes - r.accessible, PROT_READ | PROT_WRITE) != 0)
      return false;
  } else if (bytes < r.accessible) {
    if (::mprotect(r.base + bytes, r.accessible - bytes, PROT_NONE) != 0) return false;
  }
  r.accessible = bytes;
  return true;
}

// Makes a memory all zeros again for its next instance (see kZeroInPlaceMax).
bool reset_memory(const Region& r) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t pages = r.accessible / page;
  thread_local std::vector<unsigned char> resident;
  resident.resize(pages);
  if (pages == 0) return true;
  if (::mincore(r.base, r.accessible, resident.data()) != 0)
    return ::madvise(r.base, r.accessible, MADV_DONTNEED) == 0;
  uint64_t zeroed = 0;
  for (size_t i = 0; i < pages;) {
    if (!(resident[i] & 1)) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < pages && (resident[end] & 1)) ++end;
    const uint64_t bytes = (end - i) * page;
    if (zeroed + bytes > kZeroInPlaceMax)  // a big footprint: the kernel zero-fills the rest on touch
      return ::madvise(r.base + i * page, (pages - i) * page, MADV_DONTNEED) == 0;
    std::memset(r.base + i * page, 0, bytes);
    zeroed += bytes;
    i = end;
  }
  return true;
}

uint8_t* acquire_memory(uint64_t bytes) {
  auto& pool = t_resources.free;
  Region r;
  if (!pool.empty()) {
    // Prefer a reservation already shaped for this size: no mprotect at all.
    auto it = pool.end() - 1;
    for (auto i = pool.begin(); i != pool.end(); ++i)
      if (i->accessible == bytes) it = i;
    r = *it;
    pool.erase(it);
  } else {
    void* p = ::mmap(nullptr, kReservationBytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    r.base = static_cast<uint8_t*>(p);
  }
  if (!set_accessible(r, bytes)) {
    ::munmap(r.base, kReservationBytes);
    return nullptr;
  }
  std::lock_guard lock(g_used_mutex);
  g_used[r.base] = r.accessible;
  return r.base;
}

bool grow_memory(uint8_t* base, uint64_t bytes) {
  std::lock_guard lock(g_used_mutex);
  auto it = g_used.find(base);
  if (it == g_used.end()) return false;
  Region r{base, it->second};
  if (!set_accessible(r, bytes)) return false;
  it->second = r.accessible;
  return true;
}

void release_memory(uint8_t* base) {
  Region r{base, 0};
  {
    std::lock_guard lock(g_used_mutex);
    auto it = g_used.find(base);
    if (it == g_used.end()) return;
    r.accessible = it->second;
    g_used.erase(it);
  }
  auto& pool = t_resources.free;
  if (pool.size() < kPooledPerThread && reset_memory(r))
    pool.push_back(r);
  else
    ::munmap(r.base, kReservationBytes);
}

template <typename Table, typename Elem>
void allocate_table(Table* table, uint32_t elements, uint32_t max_elements) {
  const sig_atomic_t was = leave_guest();
  table->data = static_cast<Elem*>(std::calloc(elements ? elements : 1, sizeof(Elem)));
  table->size = table->data ? elements : 0;
  table->max_size = max_elements;
  const bool failed = table->data == nullptr;
  return_to_guest(was);
  if (failed) unwind(Stop::MemoryCap);
}

template <typename Table, typename Elem>
uint32_t grow_table(Table* table, uint32_t delta, Elem init) {
  const sig_atomic_t was = leave_guest();
  uint32_t result = kNoGrow;
  const uint64_t want = uint64_t{table->size} + delta;
  if (want <= table->max_size) {
    if (delta == 0) {
      result = table->size;
    } else if (auto* grown = static_cast<Elem*>(std::realloc(table->data, want * sizeof(Elem)))) {
      for (uint64_t i = table->size; i < want; ++i) grown[i] = init;
      table->data = grown;
      result = table->size;
      table->size = static_cast<uint32_t>(want);
    }
  }
  return_to_guest(was);
  return result;
}

// --- WASI imports ---------------------------------------------------------------------------

enum : size_t {
#define EDGECTL_WASI_FUNC(name, results, params) kWasi_##name,
#include "runtime/wasi/preview1.def"
};

struct HostOutcome {
  Stop stop = Stop::Returned;
  uint32_t value = 0;
};

HostOutcome wasi_call(void* instance_ctx, size_t index, const uint64_t* args, size_t count) {
  auto* ctx = static_cast<GuestCtx*>(instance_ctx);
  auto* mem = static_cast<wasm_rt_memory_t*>(ctx->memory);
  wasi::GuestMemory view{mem ? mem->data : nullptr, mem ? mem->size : 0};
  wasi::CallResult r = ctx->wasi->call(index, view, std::span<const uint64_t>(args, count));
  if (r.deadline_exceeded) return {Stop::Timeout, 0};
  if (r.exited) {
    ctx->exit_code = r.exit_code;
    return {Stop::Exit, 0};
  }
  if (r.trap) {
    ctx->host_message = std::string(wasi::kModuleName) + "." +
                        std::string(wasi::preview1_functions()[index].name) + ": " +
                        r.trap_message;
    return {Stop::HostError, 0};
  }
  return {Stop::Returned, r.errno_value};
}

// --- edgectl host imports --------------------------------------------------------------------

enum : size_t {
#define EDGECTL_HOST_FUNC(name, params) kHost_##name,
#include "runtime/host/edgectl_v1.def"
};

HostOutcome host_call(void* instance_ctx, size_t index, const uint64_t* args, size_t count) {
  auto* ctx = static_cast<GuestCtx*>(instance_ctx);
  auto* mem = static_cast<wasm_rt_memory_t*>(ctx->memory);
  wasi::GuestMemory view{mem ? mem->data : nullptr, mem ? mem->size : 0};
  host::Session* session = ctx->wasi ? ctx->wasi->host_session() : nullptr;
  const std::string name = std::string(host::kModuleName) + "." + std::string(host::functions()[index].name);
  if (!session) {
    ctx->host_message = name + ": the edgectl host module is not available here (edgectl serve provides it)";
    return {Stop::HostError, 0};
  }
  wasi::CallResult r = host::call(index, *session, view, std::span<const uint64_t>(args, count));
  if (r.trap) {
    ctx->host_message = name + ": " + r.trap_message;
    return {Stop::HostError, 0};
  }
  return {Stop::Returned, r.errno_value};
}

uint32_t finish_host_call(sig_atomic_t was, HostOutcome out) {
  return_to_guest(was);
  if (out.stop != Stop::Returned) unwind(out.stop);
  return out.value;
}

}  // namespace

uint64_t memory_bytes(const GuestCtx& ctx) {
  return ctx.memory ? static_cast<const wasm_rt_memory_t*>(ctx.memory)->size : 0;
}

Stopped call_guest(GuestCtx& ctx, void (*fn)(void*, void*), void* instance, void* arg,
                   const Budget& budget) {
  install_handlers();
  prepare_thread();
  ThreadState& t = t_state;
  sigjmp_buf buf;
  t.jmp = &buf;
  t.ctx = &ctx;
  t.trap_pc = nullptr;
  t.timeout_pending = 0;
  {
    // The guest may use max_call_depth frames' worth of stack below here, and never the
    // last kStackReserveBytes of the thread's stack.
    const uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    const uintptr_t floor = t_resources.stack_low ? t_resources.stack_low + kStackReserveBytes : 0;
    const uintptr_t want = uintptr_t{budget.max_call_depth} * budget.bytes_per_frame;
    edgectl_wasm_stack_limit = std::max(here > want ? here - want : 0, floor);
  }
  if (budget.deadline) {
    t.deadline = to_timespec(*budget.deadline);
    t.has_deadline = true;
    if (!arm_timer(t.deadline)) t.has_deadline = false;  // no timer: no time limit
  }
  // sigsetjmp without saving the mask (no syscall per call): the handlers run with
  // SA_NODEFER, so unwinding out of one leaves nothing blocked.
  const int code = sigsetjmp(buf, 0);
  if (code == 0) {
    t.in_guest = 1;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    fn(instance, arg);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t.in_guest = 0;
  }
  if (t.has_deadline) {
    disarm_timer();
    t.has_deadline = false;
  }
  t.jmp = nullptr;
  t.ctx = nullptr;
  t.timeout_pending = 0;
  return Stopped{static_cast<Stop>(code), t.trap_pc};
}


}  // namespace edgectl::runtime::aot::rt

using edgectl::runtime::aot::rt::Stop;
namespace rt = edgectl::runtime::aot::rt;

extern "C" {

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

void wasm_rt_trap(wasm_rt_trap_t code) {
  rt::t_state.trap_pc = __builtin_return_address(0);
  rt::unwind(static_cast<Stop>(code));
}

const char* wasm_rt_strerror(wasm_rt_trap_t code) {
  switch (code) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "indirect call signature mismatch";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
  }
  return "unknown trap";
}

// Function types are interned process-wide: the same signature gets the same id in every
// module, as call_indirect compares ids. Called from a module's init, once per load.
uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  static std::mutex mutex;
  static std::map<std::vector<int>, uint32_t> types;
  std::vector<int> key{static_cast<int>(params), static_cast<int>(results)};
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; ++i) key.push_back(va_arg(ap, int));
  va_end(ap);
  std::lock_guard lock(mutex);
  auto [it, inserted] = types.emplace(std::move(key), static_cast<uint32_t>(types.size() + 1));
  return it->second;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* memory, uint32_t initial_pages,
                             uint32_t max_pages) {
  const sig_atomic_t was = rt::leave_guest();
  rt::GuestCtx* ctx = rt::t_state.ctx;
  const uint32_t cap = ctx ? ctx->max_pages : rt::kWasm32MaxPages;
  uint8_t* base = initial_pages <= cap ? rt::acquire_memory(initial_pages * rt::kWasmPageBytes)
                                       : nullptr;
  memory->data = base;
  memory->pages = base ? initial_pages : 0;
  memory->max_pages = max_pages;
  memory->size = static_cast<uint32_t>(base ? initial_pages * rt::kWasmPageBytes : 0);
  if (ctx && !base)
    ctx->host_message = initial_pages <= cap ? "cannot reserve address space for a linear memory"
                                             : "initial memory over the limit";
  rt::return_to_guest(was);
  if (!base) rt::unwind(Stop::MemoryCap);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t delta) {
  const sig_atomic_t was = rt::leave_guest();
  rt::GuestCtx* ctx = rt::t_state.ctx;
  const uint64_t cap = ctx ? ctx->max_pages : rt::kWasm32MaxPages;
  const uint32_t old_pages = memory->pages;
  const uint64_t want = uint64_t{old_pages} + delta;
  uint32_t result = rt::kNoGrow;
  if (want <= memory->max_pages && want <= cap && want <= rt::kWasm32MaxPages) {
    if (delta == 0) {
      result = old_pages;
    } else if (rt::grow_memory(memory->data, want * rt::kWasmPageBytes)) {
      memory->pages = static_cast<uint32_t>(want);
      // A full 4 GiB memory's size does not fit in u32; wasm2c compares 64-bit sums to it.
      memory->size = static_cast<uint32_t>(std::min<uint64_t>(want * rt::kWasmPageBytes, UINT32_MAX));
      result = old_pages;
    }
  }
  rt::return_to_guest(was);
  return result;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  if (!memory->data) return;
  rt::release_memory(memory->data);
  memory->data = nullptr;
  memory->size = memory->pages = 0;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* table, uint32_t elements,
                                    uint32_t max_elements) {
  rt::allocate_table<wasm_rt_funcref_table_t, wasm_rt_funcref_t>(table, elements, max_elements);
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* table) {
  std::free(table->data);
  table->data = nullptr;
  table->size = 0;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* table, uint32_t elements,
                                      uint32_t max_elements) {
  rt::allocate_table<wasm_rt_externref_table_t, wasm_rt_externref_t>(table, elements,
                                                                     max_elements);
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t* table) {
  std::free(table->data);
  table->data = nullptr;
  table->size = 0;
}

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* table, uint32_t delta,
                                    wasm_rt_funcref_t init) {
  return rt::grow_table(table, delta, init);
}

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* table, uint32_t delta,
                                      wasm_rt_externref_t init) {
  return rt::grow_table(table, delta, init);
}

}  // extern "C"

// The WASI imports, one C symbol per preview1.def entry, named as wasm2c 1.0.32 names an
// import ("Z_" module "Z_" field; preview1's names need no escaping). Each hands its raw
// arguments to the one WASI implementation and turns its outcome into a return or an unwind.
#define EDGECTL_NARGS(...) EDGECTL_NARGS_(__VA_ARGS__ __VA_OPT__(, ) 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define EDGECTL_NARGS_(_1, _2, _3, _4, _5, _6, _7, _8, _9, N, ...) N
#define EDGECTL_CAT(a, b) EDGECTL_CAT_(a, b)
#define EDGECTL_CAT_(a, b) a##b
#define EDGECTL_T(t) EDGECTL_T_##t
#define EDGECTL_T_I32 uint32_t
#define EDGECTL_T_I64 uint64_t
#define EDGECTL_RET_Errno uint32_t
#define EDGECTL_RET_None void
#define EDGECTL_P0()
#define EDGECTL_P1(a) , EDGECTL_T(a) p0
#define EDGECTL_P2(a, b) EDGECTL_P1(a), EDGECTL_T(b) p1
#define EDGECTL_P3(a, b, c) EDGECTL_P2(a, b), EDGECTL_T(c) p2
#define EDGECTL_P4(a, b, c, d) EDGECTL_P3(a, b, c), EDGECTL_T(d) p3
#define EDGECTL_P5(a, b, c, d, e) EDGECTL_P4(a, b, c, d), EDGECTL_T(e) p4
#define EDGECTL_P6(a, b, c, d, e, f) EDGECTL_P5(a, b, c, d, e), EDGECTL_T(f) p5
#define EDGECTL_P7(a, b, c, d, e, f, g) EDGECTL_P6(a, b, c, d, e, f), EDGECTL_T(g) p6
#define EDGECTL_P8(a, b, c, d, e, f, g, h) EDGECTL_P7(a, b, c, d, e, f, g), EDGECTL_T(h) p7
#define EDGECTL_P9(a, b, c, d, e, f, g, h, i) EDGECTL_P8(a, b, c, d, e, f, g, h), EDGECTL_T(i) p8
#define EDGECTL_A0
#define EDGECTL_A1 p0
#define EDGECTL_A2 EDGECTL_A1, p1
#define EDGECTL_A3 EDGECTL_A2, p2
#define EDGECTL_A4 EDGECTL_A3, p3
#define EDGECTL_A5 EDGECTL_A4, p4
#define EDGECTL_A6 EDGECTL_A5, p5
#define EDGECTL_A7 EDGECTL_A6, p6
#define EDGECTL_A8 EDGECTL_A7, p7
#define EDGECTL_A9 EDGECTL_A8, p8
#define EDGECTL_PARAMS(...) EDGECTL_CAT(EDGECTL_P, EDGECTL_NARGS(__VA_ARGS__))(__VA_ARGS__)
#define EDGECTL_ARGS(...) EDGECTL_CAT(EDGECTL_A, EDGECTL_NARGS(__VA_ARGS__))
#define EDGECTL_COUNT(...) EDGECTL_NARGS(__VA_ARGS__)

#define EDGECTL_WASI_FUNC(name, results, params)                                         \
  extern "C" EDGECTL_RET_##results Z_wasi_snapshot_preview1Z_##name(                     \
      void* ctx EDGECTL_PARAMS params);                                                   \
  extern "C" EDGECTL_RET_##results Z_wasi_snapshot_preview1Z_##name(                     \
      void* ctx EDGECTL_PARAMS params) {                                                  \
    const sig_atomic_t was = rt::leave_guest();                                           \
    const std::array<uint64_t, EDGECTL_COUNT params> args{EDGECTL_ARGS params};          \
    const rt::HostOutcome out = rt::wasi_call(ctx, rt::kWasi_##name, args.data(), args.size()); \
    return static_cast<EDGECTL_RET_##results>(rt::finish_host_call(was, out));           \
  }
#include "runtime/wasi/preview1.def"

// The edgectl host imports (runtime/host/edgectl_v1.def), named as wasm2c names them
// ("Z_edgectlZ_" + the function's name); every one returns an i32 status.
#define EDGECTL_HOST_FUNC(name, params)                                                      \
  extern "C" uint32_t Z_edgectlZ_##name(void* ctx EDGECTL_PARAMS params);                   \
  extern "C" uint32_t Z_edgectlZ_##name(void* ctx EDGECTL_PARAMS params) {                   \
    const sig_atomic_t was = rt::leave_guest();                                              \
    const std::array<uint64_t, EDGECTL_COUNT params> args{EDGECTL_ARGS params};             \
    const rt::HostOutcome out = rt::host_call(ctx, rt::kHost_##name, args.data(), args.size()); \
    return rt::finish_host_call(was, out);                                                   \
  }
#include "runtime/host/edgectl_v1.def"
