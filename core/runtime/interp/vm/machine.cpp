// Machine: one wabt instance and the step loop that runs its calls under a budget.
//
// wabt 1.0.32's Func::Call runs a call to completion with no hook for fuel or a deadline.
// run_function() therefore does what DefinedFunc::DoCall does (interp.cc: PushValues,
// PushCall, Run, PopValues) with the loop inside Thread::Run(n) written out here, so it can
// count instructions exactly, check the call depth after every instruction and the clock
// every kSliceInstructions. The private Thread members this needs are reached in one
// place, detail/thread_access.hpp. C++17 and wabt interp headers: see vm/vm.hpp.
//
// wabt runs wasm calls without native recursion (a call pushes a Frame on the Thread's
// vector and the loop continues), so guest recursion can never overflow the host stack:
// it is bounded by the frame vector, which is sized here.
#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "runtime/interp/detail/thread_access.hpp"
#include "runtime/interp/detail/vm_internal.hpp"

namespace edgectl::runtime::interp::vm {
namespace {

// The operand stack (wabt's values_, locals included) grows freely. Recursion is bounded
// by the call depth, but a function can declare 50,000 locals: 4 Mi values (64 MiB) is
// far above real programs and checked every slice.
constexpr size_t kMaxValueStackSlots = size_t{4} << 20;
// wabt traps "call stack exhausted" when a push finds size() == capacity(), and in 1.0.32
// its call_indirect path then carries on as if the call had happened (Thread::DoCall
// returns Ok): that must never be reached. Our check after every instruction keeps
// size() <= depth before each one; an instruction pushes at most one frame, plus one
// transient host frame; two spare slots keep wabt's check from ever firing.
constexpr size_t kFrameHeadroom = 2;
// Below this much depth headroom the loop steps one instruction at a time (exact depth);
// above it, slices go through wabt's Thread::Run(n), as fast as wasm-interp itself.
constexpr size_t kMinFastSlice = 256;
// A host function gets its arguments in a fixed array (no allocation per call); WASI's
// widest function, path_open, takes 9.
constexpr size_t kMaxHostArgs = 16;
// The trap a host function raises to unwind the guest after proc_exit; never shown, since
// the run ends as Exited.
constexpr const char* kExitTrapMessage = "edgectl: proc_exit";
constexpr const char* kTimeoutTrapMessage = "edgectl: deadline passed in a host call";

uint64_t to_bits(wabt::Type type, const wi::Value& v) {
  switch (type) {
    case wabt::Type::I32:
      return v.Get<uint32_t>();
    case wabt::Type::I64:
      return v.Get<uint64_t>();
    case wabt::Type::F32: {
      uint32_t bits;
      float f = v.Get<float>();
      std::memcpy(&bits, &f, sizeof bits);
      return bits;
    }
    case wabt::Type::F64: {
      uint64_t bits;
      double d = v.Get<double>();
      std::memcpy(&bits, &d, sizeof bits);
      return bits;
    }
    default:
      return 0;  // v128 and references never cross (checked by the callers)
  }
}

wi::Value from_bits(wabt::Type type, uint64_t bits) {
  switch (type) {
    case wabt::Type::I32:
      return wi::Value::Make(static_cast<uint32_t>(bits));
    case wabt::Type::I64:
      return wi::Value::Make(bits);
    case wabt::Type::F32: {
      float f;
      uint32_t narrow = static_cast<uint32_t>(bits);
      std::memcpy(&f, &narrow, sizeof f);
      return wi::Value::Make(f);
    }
    case wabt::Type::F64: {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return wi::Value::Make(d);
    }
    default:
      return wi::Value{};
  }
}

Stop stop_of(Stop::Kind kind) {
  Stop stop;
  stop.kind = kind;
  return stop;
}

}  // namespace

struct Machine::Impl {
  std::shared_ptr<const Code> code;
  ThreadStore* thread_store = nullptr;  // the creating thread's
  HostCall host;
  wi::Instance::Ptr instance;
  wi::Memory::Ptr memory;  // memory 0, if any

  // Set when the host failed to allocate mid-instruction: wabt's Memory::Grow has then
  // counted pages it does not have (accesses stay bounds-checked, memory.size lies).
  bool poisoned = false;
  // What host functions reported during the current run.
  std::optional<uint32_t> exit_code;
  std::optional<uint32_t> host_trap_import;
  bool host_timeout = false;  // a blocking host call gave up at the deadline

  wabt::Result host_call(wi::Thread& thread, size_t index, const wi::Values& params,
                         wi::Values& results, wi::Trap::Ptr* out_trap);
  Stop finish(Stop stop, wi::Thread* thread, const wi::Trap::Ptr& trap);
  std::optional<uint32_t> function_index(wi::Ref func) const;
};

Machine::Machine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Machine::~Machine() {
  const uint64_t bytes = memory_bytes();
  impl_->memory.reset();
  impl_->instance.reset();
  impl_->thread_store->released(bytes);
}

uint64_t Machine::memory_bytes() const {
  return impl_->memory ? impl_->memory->ByteSize() : 0;
}

std::unique_ptr<Machine> Machine::instantiate(std::shared_ptr<const Code> code,
                                              const InstanceCaps& caps, HostCall host,
                                              std::string* error) {
  ThreadStore& ts = ThreadStore::current();
  wi::Store& store = ts.store();
  const Code::Impl& ci = code->impl();
  for (const auto& memory : ci.desc.memories)
    if (memory.type.limits.initial > caps.memory_pages) {
      *error = "initial memory of " + std::to_string(memory.type.limits.initial) +
               " pages exceeds the limit of " + std::to_string(caps.memory_pages) + " pages";
      return nullptr;
    }
  for (const auto& table : ci.desc.tables)
    if (table.type.limits.initial > kMaxTableElements) {
      *error = "initial table size of " + std::to_string(table.type.limits.initial) +
               " elements exceeds the limit of " + std::to_string(kMaxTableElements);
      return nullptr;
    }

  auto impl = std::make_unique<Impl>();
  Impl* self = impl.get();  // stable: host functions below call back into it
  impl->code = code;
  impl->thread_store = &ts;
  impl->host = std::move(host);

  // Instantiate reads bulk_memory from the Store to pick the segment initialisation rules.
  store.setFeatures(ci.features);
  wi::Module::Ptr module = ts.module_for(code, caps.memory_pages);
  std::vector<wi::HostFunc::Ptr> funcs;  // rooted until the instance holds them
  wi::RefVec imports;
  for (size_t i = 0; i < ci.desc.imports.size(); ++i) {
    const auto& type = ci.desc.imports[i].type;
    auto* func_type = wabt::dyn_cast<wi::FuncType>(type.type.get());
    if (!func_type || func_type->results.size() > 1 || func_type->params.size() > kMaxHostArgs) {
      *error = "import '" + type.module + "." + type.name + "' cannot be bound by this engine";
      return nullptr;
    }
    funcs.push_back(wi::HostFunc::New(store, *func_type,
                                      [self, i](wi::Thread& thread, const wi::Values& params,
                                                wi::Values& results, wi::Trap::Ptr* out_trap) {
                                        return self->host_call(thread, i, params, results,
                                                               out_trap);
                                      }));
    imports.push_back(funcs.back().ref());
  }

  wi::Trap::Ptr trap;
  try {
    impl->instance = wi::Instance::Instantiate(store, module.ref(), imports, &trap);
  } catch (const std::bad_alloc&) {
    // Memory::New allocates the initial pages; the host may not have them.
    *error = "the host could not allocate the instance's memory";
    ts.released(0);
    return nullptr;
  }
  if (!impl->instance) {
    *error = trap ? trap->message() : "instantiation failed";
    ts.released(0);  // the partial instance is garbage now
    return nullptr;
  }
  if (!impl->instance->memories().empty())
    impl->memory = store.UnsafeGet<wi::Memory>(impl->instance->memories()[0]);
  return std::unique_ptr<Machine>(new Machine(std::move(impl)));
}

wabt::Result Machine::Impl::host_call(wi::Thread& thread, size_t index, const wi::Values& params,
                                      wi::Values& results, wi::Trap::Ptr* out_trap) {
  const auto& type = *wabt::cast<wi::FuncType>(code->impl().desc.imports[index].type.type.get());
  uint64_t args[kMaxHostArgs];
  for (size_t i = 0; i < params.size(); ++i) args[i] = to_bits(type.params[i], params[i]);

  // The caller's memory 0. Imports are bound per instance, so the caller is this instance
  // unless the function was called directly (invoke of a re-exported import).
  uint8_t* base = nullptr;
  uint64_t size = 0;
  wi::Instance* caller = thread.GetCallerInstance();
  if (caller && caller != instance.get() && !caller->memories().empty()) {
    auto m = thread.store().UnsafeGet<wi::Memory>(caller->memories()[0]);
    base = m->UnsafeData();
    size = m->ByteSize();
  } else if (memory) {
    base = memory->UnsafeData();
    size = memory->ByteSize();
  }

  HostOutcome out = host(index, base, size, args, params.size());
  switch (out.kind) {
    case HostOutcome::Kind::Return:
      if (!results.empty()) results[0] = from_bits(type.results[0], out.result);
      return wabt::Result::Ok;
    case HostOutcome::Kind::Exit:
      exit_code = out.exit_code;
      *out_trap = wi::Trap::New(thread.store(), kExitTrapMessage);
      return wabt::Result::Error;
    case HostOutcome::Kind::Trap:
      host_trap_import = static_cast<uint32_t>(index);
      *out_trap = wi::Trap::New(thread.store(), out.message);
      return wabt::Result::Error;
    case HostOutcome::Kind::Timeout:
      host_timeout = true;
      *out_trap = wi::Trap::New(thread.store(), kTimeoutTrapMessage);
      return wabt::Result::Error;
  }
  return wabt::Result::Error;
}

std::optional<uint32_t> Machine::Impl::function_index(wi::Ref func) const {
  const auto& funcs = instance->funcs();
  for (size_t i = 0; i < funcs.size(); ++i)
    if (funcs[i] == func) return static_cast<uint32_t>(i);
  return std::nullopt;
}

// Fills in what the thread's state says about where the run stopped, and what the host
// functions reported. wabt leaves the frames of a trapped or interrupted call in place.
Stop Machine::Impl::finish(Stop stop, wi::Thread* thread, const wi::Trap::Ptr& trap) {
  if (stop.kind == Stop::Kind::Trapped && exit_code) {
    stop.kind = Stop::Kind::Exited;
    stop.exit_code = *exit_code;
    return stop;
  }
  if (stop.kind == Stop::Kind::Trapped && host_timeout) {
    stop.kind = Stop::Kind::Timeout;
    stop.message.clear();
  }
  if (stop.kind == Stop::Kind::Trapped) {
    if (stop.message.empty() && trap) stop.message = trap->message();
    if (host_trap_import) {
      stop.host_trap = true;
      stop.host_import = host_trap_import;
    }
  }
  if (thread && stop.kind != Stop::Kind::Returned) {
    const auto& frames = detail::frames(*thread);
    for (auto it = frames.rbegin(); it != frames.rend(); ++it)
      if (it->inst) {  // host frames have none
        stop.function = function_index(it->func);
        break;
      }
  }
  return stop;
}

Stop Machine::run_function(uint32_t function_index, const std::vector<Val>& args,
                           const RunBudget& budget) {
  Impl& m = *impl_;
  if (&ThreadStore::current() != m.thread_store) {
    Stop wrong = stop_of(Stop::Kind::Trapped);
    wrong.message = "instance used on a thread other than the one that created it";
    return wrong;
  }
  if (m.poisoned) {
    Stop dead = stop_of(Stop::Kind::Trapped);
    dead.message = "instance unusable: the host ran out of memory in an earlier call";
    dead.host_trap = true;
    return dead;
  }
  wi::Store& store = m.thread_store->store();
  m.exit_code.reset();
  m.host_trap_import.reset();
  m.host_timeout = false;

  wi::Func::Ptr func = store.UnsafeGet<wi::Func>(m.instance->funcs()[function_index]);
  const wi::FuncType& type = func->type();
  if (args.size() != type.params.size()) {  // the upper half checks; PushValues only asserts
    Stop wrong = stop_of(Stop::Kind::Trapped);
    wrong.message = "wrong number of arguments";
    return wrong;
  }
  wi::Values params;
  params.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) params.push_back(from_bits(type.params[i], args[i].bits));

  auto returned = [&](const wi::Values& results) {
    Stop stop = stop_of(Stop::Kind::Returned);
    for (size_t i = 0; i < results.size(); ++i)
      stop.results.push_back({to_val_type(type.results[i]), to_bits(type.results[i], results[i])});
    return stop;
  };

  wi::Trap::Ptr trap;
  auto* defined = wabt::dyn_cast<wi::DefinedFunc>(func.get());
  if (!defined) {
    // A re-exported import: a host call, bounded by the host's own deadline handling.
    wi::Values results;
    if (wabt::Succeeded(func->Call(store, params, results, &trap))) return returned(results);
    return m.finish(stop_of(Stop::Kind::Trapped), nullptr, trap);
  }

  wi::Thread thread(store);
  auto& frames = detail::frames(thread);
  auto& values = detail::values(thread);
  const size_t max_depth = budget.max_call_depth;
  {
    std::vector<wi::Frame> sized;
    sized.reserve(max_depth + kFrameHeadroom);
    frames.swap(sized);
  }

  // DefinedFunc::DoCall, step by step.
  detail::push_values(thread, type.params, params);
  if (detail::push_call(thread, *defined, &trap) == wi::RunResult::Trap)
    return m.finish(stop_of(Stop::Kind::Trapped), &thread, trap);
  uint64_t executed = 0;
  auto stop_with = [&](Stop::Kind kind, std::string message) {
    Stop stop = stop_of(kind);
    stop.message = std::move(message);
    stop.executed = executed;
    return m.finish(std::move(stop), &thread, trap);
  };
  try {
    for (;;) {
      uint64_t slice = kSliceInstructions;
      if (budget.fuel) {
        if (executed >= *budget.fuel) return stop_with(Stop::Kind::OutOfFuel, {});
        slice = std::min<uint64_t>(slice, *budget.fuel - executed);
      }
      wi::RunResult result = wi::RunResult::Ok;
      bool too_deep = false;
      uint64_t n = 0;
      // Fast path: with no fuel to count and the depth limit at least a whole slice away,
      // wabt's own Thread::Run(n) runs the slice. No per-instruction check is needed, since
      // an instruction pushes at most one frame, so the depth stays exact; the count of
      // instructions is not kept (it only matters for fuel).
      const size_t depth_headroom = max_depth - std::min(max_depth, frames.size());
      if (!budget.fuel && depth_headroom >= kMinFastSlice) {
        const auto fast = static_cast<int>(std::min<uint64_t>(slice, depth_headroom));
        result = thread.Run(fast, &trap);
        n = static_cast<uint64_t>(fast);
      } else {
        while (n < slice) {
          result = detail::step(thread, &trap);
          ++n;
          if (result != wi::RunResult::Ok) break;
          if (frames.size() > max_depth) {
            too_deep = true;
            break;
          }
        }
      }
      executed += n;
      if (too_deep)
        return stop_with(Stop::Kind::StackOverflow,
                         "call depth exceeded " + std::to_string(max_depth) + " frames");
      switch (result) {
        case wi::RunResult::Ok:
          break;
        case wi::RunResult::Return: {
          wi::Values results;
          detail::pop_values(thread, type.results, &results);
          Stop stop = returned(results);
          stop.executed = executed;
          return stop;
        }
        case wi::RunResult::Trap:
          return stop_with(Stop::Kind::Trapped, {});
        case wi::RunResult::Exception:
          // As DefinedFunc::DoCall reports it (exceptions are off in runtime_features()).
          return stop_with(Stop::Kind::Trapped, "uncaught exception");
      }
      if (values.size() > kMaxValueStackSlots)
        return stop_with(
            Stop::Kind::StackOverflow,
            "operand stack exceeded " + std::to_string(kMaxValueStackSlots) + " values");
      if (budget.deadline && std::chrono::steady_clock::now() >= *budget.deadline)
        return stop_with(Stop::Kind::Timeout, {});
    }
  } catch (const std::bad_alloc&) {
    // memory.grow or table.grow within the caps, but more than the host could allocate.
    m.poisoned = true;
    Stop stop = stop_with(Stop::Kind::Trapped, "the host ran out of memory");
    stop.host_trap = true;
    return stop;
  }
}

}  // namespace edgectl::runtime::interp::vm
