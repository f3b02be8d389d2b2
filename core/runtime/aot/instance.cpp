// The aot engine's Instance: the compiled module's instance struct, entered through the
// runtime support (detail/rt.hpp) for instantiation (data, tables, start function), _start,
// _initialize and exports; stops become the same typed outcomes the interpreter gives.
#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "runtime/aot/detail/aot_module.hpp"
#include "runtime/aot/detail/rt.hpp"

namespace edgectl::runtime::aot {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kStartExport = "_start";
constexpr std::string_view kInitializeExport = "_initialize";
constexpr size_t kInstanceAlignment = 64;

uint64_t to_bits(const Value& v) {
  return std::visit(
      [](auto x) -> uint64_t {
        using T = decltype(x);
        if constexpr (std::is_same_v<T, int32_t>) return std::bit_cast<uint32_t>(x);
        if constexpr (std::is_same_v<T, int64_t>) return std::bit_cast<uint64_t>(x);
        if constexpr (std::is_same_v<T, float>) return std::bit_cast<uint32_t>(x);
        if constexpr (std::is_same_v<T, double>) return std::bit_cast<uint64_t>(x);
      },
      v);
}

Value from_bits(uint64_t bits, ValueType t) {
  switch (t) {
    case ValueType::I32: return std::bit_cast<int32_t>(static_cast<uint32_t>(bits));
    case ValueType::I64: return std::bit_cast<int64_t>(bits);
    case ValueType::F32: return std::bit_cast<float>(static_cast<uint32_t>(bits));
    default: return std::bit_cast<double>(bits);
  }
}

struct CallArgs {
  const uint64_t* args;
  uint64_t* results;
};

class AotInstance final : public Instance {
 public:
  AotInstance(std::shared_ptr<const AotModule> module, std::unique_ptr<wasi::WasiCtx> wasi,
              const Limits& limits)
      : module_(std::move(module)), wasi_(std::move(wasi)), limits_(limits) {
    ctx_.wasi = wasi_.get();
    ctx_.max_pages = static_cast<uint32_t>(std::min<uint64_t>(detail::memory_cap_pages(limits), 65536));
    budget_.max_call_depth =
        std::min(limits.max_call_depth.value_or(kEngineMaxCallDepth), kEngineMaxCallDepth);
    if (module_->tier() == Tier::Quick) budget_.bytes_per_frame = rt::kQuickBytesPerFrame;
  }
  ~AotInstance() override {
    if (instance_) {
      module_->library().free(instance_);
      std::free(instance_);
    }
  }

  Status instantiate();
  Result<RunOutcome> run_start() override;
  Result<RunOutcome> invoke(std::string_view export_name, std::span<const Value> args) override;
  wasi::WasiCtx& wasi() override { return *wasi_; }
  uint64_t memory_bytes() const override { return rt::memory_bytes(ctx_); }

 private:
  struct Entry {
    Clock::time_point started = Clock::now();
  };
  Entry begin_entry();
  RunOutcome call(const AotModule::Export& e, const std::vector<uint64_t>& args);
  RunOutcome finish(RunOutcome outcome, const Entry& entry);
  Trap make_trap(const rt::Stopped& s);

  std::shared_ptr<const AotModule> module_;
  std::unique_ptr<wasi::WasiCtx> wasi_;
  Limits limits_;
  rt::GuestCtx ctx_;
  rt::Budget budget_;
  void* instance_ = nullptr;
  std::chrono::nanoseconds instantiate_time_{0};
  bool initialized_ = false;
};

AotInstance::Entry AotInstance::begin_entry() {
  Entry entry;
  budget_.deadline.reset();
  if (limits_.timeout) budget_.deadline = entry.started + *limits_.timeout;
  wasi_->set_deadline(budget_.deadline);
  return entry;
}

Trap AotInstance::make_trap(const rt::Stopped& s) {
  Trap trap;
  switch (s.stop) {
    case rt::Stop::OutOfBounds:
      trap.kind = TrapKind::MemoryOutOfBounds;
      trap.message = "out of bounds memory access";
      break;
    case rt::Stop::IntOverflow:
      trap.kind = TrapKind::IntegerOverflow;
      trap.message = "integer overflow";
      break;
    case rt::Stop::DivByZero:
      trap.kind = TrapKind::IntegerDivideByZero;
      trap.message = "integer divide by zero";
      break;
    case rt::Stop::InvalidConversion:
      trap.kind = TrapKind::InvalidConversion;
      trap.message = "invalid conversion to integer";
      break;
    case rt::Stop::Unreachable:
      trap.kind = TrapKind::Unreachable;
      trap.message = "unreachable executed";
      break;
    case rt::Stop::CallIndirect:
      trap.kind = TrapKind::IndirectCallTypeMismatch;
      trap.message = "indirect call signature mismatch";
      break;
    case rt::Stop::UndefinedIndex:
      trap.kind = TrapKind::UndefinedElement;
      trap.message = "undefined table index";
      break;
    case rt::Stop::UninitializedElement:
      trap.kind = TrapKind::UndefinedElement;
      trap.message = "uninitialized table element";
      break;
    case rt::Stop::Exhaustion:
      trap.kind = TrapKind::StackOverflow;
      trap.message = "call stack exhausted (the native stack allowed for " +
                     std::to_string(budget_.max_call_depth) + " frames)";
      break;
    case rt::Stop::NativeStackOverflow:
      trap.kind = TrapKind::StackOverflow;
      trap.message = "call stack exhausted (the native stack overflowed)";
      break;
    case rt::Stop::Timeout:
      trap.kind = TrapKind::Timeout;
      trap.message = "exceeded the time limit of " +
                     (limits_.timeout ? format_duration(*limits_.timeout) : std::string("?"));
      break;
    case rt::Stop::HostError:
      trap.kind = TrapKind::HostError;
      trap.message = ctx_.host_message;
      break;
    default:
      trap.kind = TrapKind::Other;
      trap.message = ctx_.host_message.empty() ? "trap" : ctx_.host_message;
      break;
  }
  if (auto index = module_->function_at(s.pc)) {
    trap.function_index = *index;
    trap.function = module_->names().name(*index);
    trap.code_offset = module_->names().body_offset(*index);
  }
  return trap;
}

Status AotInstance::instantiate() {
  const auto started = Clock::now();
  if (limits_.fuel)
    return Error("the aot engine does not count fuel: use --engine interp (or auto, which "
                 "picks the interpreter) to run '" + module_->filename() + "' with a fuel limit");
  if (auto s = detail::check_initial_memory(module_->info(), limits_, module_->filename()); !s)
    return s;
  const Library& lib = module_->library();
  const size_t size = (lib.instance_size() + kInstanceAlignment - 1) / kInstanceAlignment * kInstanceAlignment;
  instance_ = std::aligned_alloc(kInstanceAlignment, size);
  if (!instance_) return Error("out of memory for an instance of '" + module_->filename() + "'");
  std::memset(instance_, 0, size);
  ctx_.memory = lib.memory(instance_);

  // Only a start function is guest code worth a deadline; copying data and elements is
  // bounded work, and a thread preempted meanwhile must not time out for it.
  const bool has_start = std::any_of(module_->info().sections.begin(), module_->info().sections.end(),
                                     [](const auto& section) { return section.name == "start"; });
  begin_entry();
  if (!has_start) budget_.deadline.reset();
  rt::Stopped s = rt::call_guest(ctx_, lib.instantiate, instance_, &ctx_, budget_);
  wasi_->set_deadline(std::nullopt);
  if (s.stop == rt::Stop::Exit)
    return Error("the start function of '" + module_->filename() + "' exited with code " +
                 std::to_string(ctx_.exit_code));
  if (s.stop != rt::Stop::Returned) {
    // wasm2c's instantiate copies data and elements (which fail out of bounds) and then
    // runs the start function: any other trap comes from the start function.
    Trap trap = make_trap(s);
    if (has_start && trap.kind != TrapKind::MemoryOutOfBounds)
      return Error("the start function of '" + module_->filename() + "' trapped: " + describe(trap));
    return Error("cannot instantiate '" + module_->filename() + "': " + describe(trap));
  }
  instantiate_time_ = Clock::now() - started;
  return {};
}

RunOutcome AotInstance::call(const AotModule::Export& e, const std::vector<uint64_t>& args) {
  std::vector<uint64_t> results(e.type.results.size() + 1);
  CallArgs call{args.data(), results.data()};
  ctx_.host_message.clear();
  const Library& lib = module_->library();
  rt::Stopped s = rt::call_guest(ctx_, lib.exports[e.index], instance_, &call, budget_);
  RunOutcome o;
  if (s.stop == rt::Stop::Returned) {
    o.status = RunOutcome::Status::Returned;
    for (size_t i = 0; i < e.type.results.size(); ++i)
      o.results.push_back(from_bits(results[i], e.type.results[i]));
  } else if (s.stop == rt::Stop::Exit) {
    o.status = RunOutcome::Status::Exited;
    o.exit_code = ctx_.exit_code;
  } else {
    o.status = RunOutcome::Status::Trapped;
    o.trap = make_trap(s);
  }
  return o;
}

RunOutcome AotInstance::finish(RunOutcome outcome, const Entry& entry) {
  wasi_->set_deadline(std::nullopt);
  outcome.instantiate_time = instantiate_time_;
  outcome.run_time = Clock::now() - entry.started;
  outcome.engine = "aot";
  return outcome;
}

Result<RunOutcome> AotInstance::run_start() {
  if (auto s = detail::check_start(*module_, module_->filename()); !s) return std::move(s).error();
  const AotModule::Export* start = module_->find_function_export(kStartExport);
  Entry entry = begin_entry();
  RunOutcome o = call(*start, {});
  if (o.status == RunOutcome::Status::Returned) o.results.clear();
  return finish(std::move(o), entry);
}

Result<RunOutcome> AotInstance::invoke(std::string_view export_name, std::span<const Value> args) {
  auto found = module_->function_export(export_name);
  if (!found) return std::move(found).error();
  const AotModule::Export& e = **found;
  if (auto s = detail::check_args(export_name, e.type, args); !s) return std::move(s).error();
  std::vector<uint64_t> raw;
  for (const auto& a : args) raw.push_back(to_bits(a));
  Entry entry = begin_entry();
  if (!initialized_) {
    initialized_ = true;
    const AotModule::Export* init = module_->find_function_export(kInitializeExport);
    if (init && init->callable && export_name != kInitializeExport) {
      RunOutcome o = call(*init, {});
      if (o.status != RunOutcome::Status::Returned) return finish(std::move(o), entry);
    }
  }
  return finish(call(e, raw), entry);
}

}  // namespace

Result<std::unique_ptr<Instance>> AotModule::instantiate(std::unique_ptr<wasi::WasiCtx> wasi,
                                                         const Limits& limits) const {
  auto ctx = detail::or_default_wasi(std::move(wasi));
  if (!ctx) return std::move(ctx).error();
  auto instance = std::make_unique<AotInstance>(shared_from_this(), std::move(ctx).value(), limits);
  if (auto s = instance->instantiate(); !s) return std::move(s).error();
  return std::unique_ptr<Instance>(std::move(instance));
}

}  // namespace edgectl::runtime::aot
