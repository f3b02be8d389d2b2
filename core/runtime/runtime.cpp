// The engine-independent parts of runtime.hpp: limit defaults, names, value text, and the
// engine registry.
#include "runtime/runtime.hpp"

#include "runtime/aot/aot.hpp"
#include "runtime/tiered.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "runtime/interp/interp.hpp"

namespace edgectl::runtime {
namespace {

// 256 MiB: a Go wasip1 handler needs a few tens of MiB; more than this in one request is a
// leak or an attack.
constexpr uint64_t kDefaultMaxMemoryBytes = 256ull << 20;
// Deep enough for recursive parsers and naive recursion in tests, shallow enough that a
// runaway recursion stops within milliseconds.
constexpr uint32_t kDefaultMaxCallDepth = 10'000;
// Longest shortest-round-trip text of a double ("-2.2250738585072014e-308") plus room.
constexpr size_t kFloatTextMax = 32;

template <class F>
std::string format_float(F x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  char buf[kFloatTextMax];
  auto r = std::to_chars(buf, buf + sizeof buf, x);  // shortest text that reads back exactly
  return std::string(buf, r.ptr);
}

// An integer of `bits` bits in decimal or 0x hex, with an optional sign: negatives down to
// the signed minimum, positives up to the unsigned maximum (two's complement).
std::optional<uint64_t> parse_int(std::string_view text, unsigned bits) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  const uint64_t unsigned_max = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  const uint64_t negative_max = uint64_t{1} << (bits - 1);
  if (negative ? magnitude > negative_max : magnitude > unsigned_max) return std::nullopt;
  return negative ? (~magnitude + 1) & unsigned_max : magnitude;
}

template <class F>
std::optional<F> parse_float(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);  // from_chars takes no '+'
  F value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Limits Limits::defaults() {
  Limits limits;
  limits.max_memory_bytes = kDefaultMaxMemoryBytes;
  limits.max_call_depth = kDefaultMaxCallDepth;
  return limits;
}

std::string_view to_string(TrapKind kind) {
  switch (kind) {
    case TrapKind::Exit:
      return "exit";
    case TrapKind::OutOfFuel:
      return "out of fuel";
    case TrapKind::Timeout:
      return "timeout";
    case TrapKind::StackOverflow:
      return "stack overflow";
    case TrapKind::MemoryOutOfBounds:
      return "out of bounds memory access";
    case TrapKind::Unreachable:
      return "unreachable";
    case TrapKind::IntegerDivideByZero:
      return "integer divide by zero";
    case TrapKind::IntegerOverflow:
      return "integer overflow";
    case TrapKind::InvalidConversion:
      return "invalid conversion to integer";
    case TrapKind::IndirectCallTypeMismatch:
      return "indirect call type mismatch";
    case TrapKind::UndefinedElement:
      return "undefined element";
    case TrapKind::HostError:
      return "host error";
    case TrapKind::Other:
      return "trap";
  }
  return "trap";
}

std::string describe(const Trap& trap) {
  const std::string_view kind = to_string(trap.kind);
  if (trap.message.empty()) return std::string(kind);
  if (std::string_view(trap.message).starts_with(kind)) return trap.message;
  return std::string(kind) + ": " + trap.message;
}

std::string format_value(const Value& v) {
  return std::visit(
      [](auto x) -> std::string {
        using T = decltype(x);
        if constexpr (std::is_floating_point_v<T>)
          return format_float(x);
        else
          return std::to_string(x);
      },
      v);
}

std::string_view to_string(ValueType type) {
  switch (type) {
    case ValueType::I32:
      return "i32";
    case ValueType::I64:
      return "i64";
    case ValueType::F32:
      return "f32";
    case ValueType::F64:
      return "f64";
  }
  return "?";
}

ValueType type_of(const Value& v) {
  static constexpr ValueType kByIndex[] = {ValueType::I32, ValueType::I64, ValueType::F32,
                                           ValueType::F64};
  return kByIndex[v.index()];
}

std::optional<Value> parse_value(std::string_view text, ValueType type) {
  switch (type) {
    case ValueType::I32:
      if (auto v = parse_int(text, 32))
        return Value(static_cast<int32_t>(static_cast<uint32_t>(*v)));
      return std::nullopt;
    case ValueType::I64:
      if (auto v = parse_int(text, 64)) return Value(static_cast<int64_t>(*v));
      return std::nullopt;
    case ValueType::F32:
      if (auto v = parse_float<float>(text)) return Value(*v);
      return std::nullopt;
    case ValueType::F64:
      if (auto v = parse_float<double>(text)) return Value(*v);
      return std::nullopt;
  }
  return std::nullopt;
}

Result<std::vector<Value>> parse_args(const FuncType& type, std::span<const std::string> args) {
  if (args.size() != type.params.size())
    return Error("expected " + std::to_string(type.params.size()) + " argument" +
                 (type.params.size() == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
  std::vector<Value> values;
  for (size_t i = 0; i < args.size(); ++i) {
    auto v = parse_value(args[i], type.params[i]);
    if (!v)
      return Error("argument " + std::to_string(i + 1) + " '" + args[i] + "' is not an " +
                   std::string(to_string(type.params[i])));
    values.push_back(*v);
  }
  return values;
}

Result<std::unique_ptr<Engine>> make_engine(std::string_view name) {
  if (name == "interp") return interp::make_engine();
  if (name == "aot") return aot::make_engine();
  if (name == "auto") return make_tiered_engine();
  return Error("unknown engine '" + std::string(name) + "': choose auto, aot or interp");
}

}  // namespace edgectl::runtime
