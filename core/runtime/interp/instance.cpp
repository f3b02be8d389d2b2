// The interp engine's Instance: binds WASI to the machine's imports, turns each entry
// (start function, _initialize, _start, an export) into a budgeted vm call, and the
// machine's stops into typed outcomes.
#include <algorithm>
#include <array>
#include <bit>

#include "runtime/interp/detail/interp_module.hpp"
#include "runtime/host/host.hpp"

namespace edgectl::runtime::interp {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kStartExport = "_start";
constexpr std::string_view kInitializeExport = "_initialize";

// wabt's trap messages (interp.cc, interp-math.h in 1.0.32) to kinds, by prefix. The one
// place this mapping lives.
TrapKind classify_trap(std::string_view message) {
  static constexpr std::array<std::pair<std::string_view, TrapKind>, 11> kPrefixes{{
      {"out of bounds memory access", TrapKind::MemoryOutOfBounds},
      {"invalid atomic access", TrapKind::MemoryOutOfBounds},
      {"out of bounds table access", TrapKind::UndefinedElement},
      {"undefined table index", TrapKind::UndefinedElement},
      {"uninitialized table element", TrapKind::UndefinedElement},
      {"indirect call signature mismatch", TrapKind::IndirectCallTypeMismatch},
      {"integer divide by zero", TrapKind::IntegerDivideByZero},
      {"integer overflow", TrapKind::IntegerOverflow},
      {"invalid conversion to integer", TrapKind::InvalidConversion},
      {"unreachable executed", TrapKind::Unreachable},
      {"call stack exhausted", TrapKind::StackOverflow},
  }};
  for (auto [prefix, kind] : kPrefixes)
    if (message.starts_with(prefix)) return kind;
  return TrapKind::Other;
}

vm::Val to_vm(const Value& v) {
  return std::visit(
      [](auto x) -> vm::Val {
        using T = decltype(x);
        if constexpr (std::is_same_v<T, int32_t>)
          return {vm::ValType::I32, std::bit_cast<uint32_t>(x)};
        if constexpr (std::is_same_v<T, int64_t>)
          return {vm::ValType::I64, std::bit_cast<uint64_t>(x)};
        if constexpr (std::is_same_v<T, float>)
          return {vm::ValType::F32, std::bit_cast<uint32_t>(x)};
        if constexpr (std::is_same_v<T, double>)
          return {vm::ValType::F64, std::bit_cast<uint64_t>(x)};
      },
      v);
}

Value from_vm(const vm::Val& v) {
  switch (v.type) {
    case vm::ValType::I32:
      return std::bit_cast<int32_t>(static_cast<uint32_t>(v.bits));
    case vm::ValType::I64:
      return std::bit_cast<int64_t>(v.bits);
    case vm::ValType::F32:
      return std::bit_cast<float>(static_cast<uint32_t>(v.bits));
    default:
      return std::bit_cast<double>(v.bits);  // export_function() admits nothing else
  }
}

class InterpInstance final : public Instance {
 public:
  InterpInstance(std::shared_ptr<const InterpModule> module, std::unique_ptr<wasi::WasiCtx> wasi,
                 const Limits& limits)
      : module_(std::move(module)),
        wasi_(std::move(wasi)),
        limits_(limits),
        fuel_left_(limits.fuel),
        max_call_depth_(std::min(limits.max_call_depth.value_or(kEngineMaxCallDepth),
                                 kEngineMaxCallDepth)) {}

  Status instantiate();
  Result<RunOutcome> run_start() override;
  Result<RunOutcome> invoke(std::string_view export_name, std::span<const Value> args) override;
  wasi::WasiCtx& wasi() override { return *wasi_; }
  uint64_t memory_bytes() const override { return machine_ ? machine_->memory_bytes() : 0; }

 private:
  // One entry into the guest: its deadline, and what it has used so far.
  struct Entry {
    Clock::time_point started = Clock::now();
    std::optional<Clock::time_point> deadline;
    uint64_t executed = 0;
  };
  Entry begin_entry();
  RunOutcome call(uint32_t function, const std::vector<vm::Val>& args, Entry& entry);
  RunOutcome finish(RunOutcome outcome, const Entry& entry);
  vm::HostOutcome host_call(size_t import, uint8_t* memory, uint64_t memory_size,
                            const uint64_t* args, size_t arg_count);
  Trap make_trap(const vm::Stop& stop) const;

  std::shared_ptr<const InterpModule> module_;
  std::unique_ptr<wasi::WasiCtx> wasi_;  // declared before machine_: outlives its callbacks
  Limits limits_;
  std::optional<uint64_t> fuel_left_;
  uint32_t max_call_depth_;
  std::chrono::nanoseconds instantiate_time_{0};
  bool initialized_ = false;  // a reactor's _initialize has run
  std::unique_ptr<vm::Machine> machine_;
};

vm::HostOutcome InterpInstance::host_call(size_t import, uint8_t* memory, uint64_t memory_size,
                                          const uint64_t* args, size_t arg_count) {
  const auto binding = module_->bindings()[import];
  const wasi::GuestMemory view{memory, memory_size};
  const std::span<const uint64_t> raw(args, arg_count);
  wasi::CallResult r;
  if (binding.edgectl) {
    host::Session* session = wasi_->host_session();
    if (session) {
      r = host::call(binding.index, *session, view, raw);
    } else {
      r.trap = true;
      r.trap_message = "the edgectl host module is not available here (edgectl serve provides it)";
    }
  } else {
    r = wasi_->call(binding.index, view, raw);
  }
  vm::HostOutcome out;
  if (r.deadline_exceeded) {
    out.kind = vm::HostOutcome::Kind::Timeout;
  } else if (r.exited) {
    out.kind = vm::HostOutcome::Kind::Exit;
    out.exit_code = r.exit_code;
  } else if (r.trap) {
    out.kind = vm::HostOutcome::Kind::Trap;
    out.message = binding.edgectl
                      ? std::string(host::kModuleName) + "." + std::string(host::functions()[binding.index].name) + ": " +
                            r.trap_message
                      : std::string(wasi::kModuleName) + "." + std::string(wasi::preview1_functions()[binding.index].name) +
                            ": " + r.trap_message;
  } else {
    out.result = r.errno_value;
  }
  return out;
}

Status InterpInstance::instantiate() {
  const auto started = Clock::now();
  const uint64_t cap_pages = detail::memory_cap_pages(limits_);
  if (auto s = detail::check_initial_memory(module_->info(), limits_, module_->filename()); !s)
    return s;

  std::string error;
  machine_ = vm::Machine::instantiate(
      module_->code(), vm::InstanceCaps{cap_pages},
      [this](size_t import, uint8_t* memory, uint64_t size, const uint64_t* args, size_t n) {
        return host_call(import, memory, size, args, n);
      },
      &error);
  if (!machine_) return Error("cannot instantiate '" + module_->filename() + "': " + error);

  if (auto start = module_->code()->start_function()) {
    Entry entry = begin_entry();
    RunOutcome o = call(*start, {}, entry);
    wasi_->set_deadline(std::nullopt);
    if (o.status == RunOutcome::Status::Exited)
      return Error("the start function of '" + module_->filename() + "' exited with code " +
                   std::to_string(o.exit_code));
    if (o.status == RunOutcome::Status::Trapped)
      return Error("the start function of '" + module_->filename() +
                   "' trapped: " + describe(*o.trap));
  }
  instantiate_time_ = Clock::now() - started;
  return {};
}

InterpInstance::Entry InterpInstance::begin_entry() {
  Entry entry;
  if (limits_.timeout) entry.deadline = entry.started + *limits_.timeout;
  wasi_->set_deadline(entry.deadline);
  return entry;
}

RunOutcome InterpInstance::call(uint32_t function, const std::vector<vm::Val>& args, Entry& entry) {
  vm::RunBudget budget;
  budget.deadline = entry.deadline;
  budget.fuel = fuel_left_;
  budget.max_call_depth = max_call_depth_;
  vm::Stop stop = machine_->run_function(function, args, budget);
  entry.executed += stop.executed;
  if (fuel_left_) *fuel_left_ -= std::min(*fuel_left_, stop.executed);

  RunOutcome o;
  switch (stop.kind) {
    case vm::Stop::Kind::Returned:
      o.status = RunOutcome::Status::Returned;
      for (const auto& v : stop.results) o.results.push_back(from_vm(v));
      break;
    case vm::Stop::Kind::Exited:
      o.status = RunOutcome::Status::Exited;
      o.exit_code = stop.exit_code;
      break;
    default:
      o.status = RunOutcome::Status::Trapped;
      o.trap = make_trap(stop);
      break;
  }
  return o;
}

Trap InterpInstance::make_trap(const vm::Stop& stop) const {
  Trap trap;
  switch (stop.kind) {
    case vm::Stop::Kind::Timeout:
      trap.kind = TrapKind::Timeout;
      trap.message = "exceeded the time limit of " + format_duration(*limits_.timeout);
      break;
    case vm::Stop::Kind::OutOfFuel:
      trap.kind = TrapKind::OutOfFuel;
      trap.message = "used all " + std::to_string(*limits_.fuel) + " units of fuel";
      break;
    case vm::Stop::Kind::StackOverflow:
      trap.kind = TrapKind::StackOverflow;
      trap.message = stop.message;
      break;
    default:
      trap.kind = stop.host_trap ? TrapKind::HostError : classify_trap(stop.message);
      trap.message = stop.message;
      break;
  }
  if (stop.function) {
    trap.function_index = *stop.function;
    trap.function = module_->function_name(*stop.function);
    trap.code_offset = module_->body_offset(*stop.function);
  }
  return trap;
}

RunOutcome InterpInstance::finish(RunOutcome outcome, const Entry& entry) {
  wasi_->set_deadline(std::nullopt);
  outcome.instantiate_time = instantiate_time_;
  outcome.engine = "interp";
  outcome.run_time = Clock::now() - entry.started;
  // Instructions are counted exactly only under a fuel limit (the fast path does not count).
  outcome.fuel_used = limits_.fuel ? entry.executed : 0;
  return outcome;
}

Result<RunOutcome> InterpInstance::run_start() {
  if (auto s = detail::check_start(*module_, module_->filename()); !s) return std::move(s).error();
  auto start = module_->find_function_export(kStartExport);

  Entry entry = begin_entry();
  RunOutcome o = call(*start, {}, entry);
  if (o.status == RunOutcome::Status::Returned) o.results.clear();  // returning is exit code 0
  return finish(std::move(o), entry);
}

Result<RunOutcome> InterpInstance::invoke(std::string_view export_name,
                                          std::span<const Value> args) {
  auto function = module_->function_export(export_name);
  if (!function) return std::move(function).error();
  auto type = module_->export_function(export_name);
  if (auto s = detail::check_args(export_name, *type, args); !s) return std::move(s).error();
  std::vector<vm::Val> vals;
  for (const auto& a : args) vals.push_back(to_vm(a));

  Entry entry = begin_entry();
  if (!initialized_) {
    initialized_ = true;
    auto init = module_->find_function_export(kInitializeExport);
    if (init && export_name != kInitializeExport) {
      RunOutcome o = call(*init, {}, entry);
      if (o.status != RunOutcome::Status::Returned) return finish(std::move(o), entry);
    }
  }
  return finish(call(*function, vals, entry), entry);
}

}  // namespace

Result<std::unique_ptr<Instance>> InterpModule::instantiate(std::unique_ptr<wasi::WasiCtx> wasi,
                                                            const Limits& limits) const {
  auto ctx = detail::or_default_wasi(std::move(wasi));
  if (!ctx) return std::move(ctx).error();
  auto instance = std::make_unique<InterpInstance>(shared_from_this(), std::move(ctx).value(), limits);
  if (auto s = instance->instantiate(); !s) return std::move(s).error();
  return std::unique_ptr<Instance>(std::move(instance));
}

}  // namespace edgectl::runtime::interp
