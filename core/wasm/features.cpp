#include <array>
#include <utility>

#include "wasm/wasm.hpp"

namespace edgectl::wasm {
namespace {
constexpr std::array<std::pair<Feature, const char*>, 12> kFeatureNames{{
    {Feature::MutableGlobals, "mutable-globals"},
    {Feature::SignExt, "sign-ext"},
    {Feature::SatFloatToInt, "nontrapping-float-to-int"},
    {Feature::BulkMemory, "bulk-memory"},
    {Feature::MultiValue, "multi-value"},
    {Feature::ReferenceTypes, "reference-types"},
    {Feature::Simd, "simd"},
    {Feature::Threads, "threads"},
    {Feature::TailCall, "tail-call"},
    {Feature::Exceptions, "exceptions"},
    {Feature::Memory64, "memory64"},
    {Feature::MultiMemory, "multi-memory"},
}};
}  // namespace

std::vector<std::string> feature_names(FeatureSet set) {
  std::vector<std::string> out;
  for (auto [f, name] : kFeatureNames)
    if (set & static_cast<FeatureSet>(f)) out.emplace_back(name);
  return out;
}

FeatureSet runtime_features() {
  // What wabt's interpreter and wasm2c (1.0.32) both run, and what Go, TinyGo, Rust,
  // clang-19 and AssemblyScript emit by default. Threads, tail calls, exceptions,
  // memory64 and multi-memory are refused at build time.
  return static_cast<FeatureSet>(Feature::MutableGlobals) | static_cast<FeatureSet>(Feature::SignExt) |
         static_cast<FeatureSet>(Feature::SatFloatToInt) | static_cast<FeatureSet>(Feature::BulkMemory) |
         static_cast<FeatureSet>(Feature::MultiValue) | static_cast<FeatureSet>(Feature::ReferenceTypes) |
         static_cast<FeatureSet>(Feature::Simd);
}

std::string_view to_string(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
    case ExternKind::Tag: return "tag";
  }
  return "?";
}

std::string_view to_string(ModuleKind k) {
  switch (k) {
    case ModuleKind::Command: return "command";
    case ModuleKind::Reactor: return "reactor";
    case ModuleKind::Library: return "library";
  }
  return "?";
}

std::string FuncSignature::to_string() const {
  auto list = [](const std::vector<std::string>& v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s + ")";
  };
  // "(i32, i32) -> i32"; no results print as "()", several as "(i32, i64)".
  return list(params) + " -> " + (results.size() == 1 ? results[0] : list(results));
}

}  // namespace edgectl::wasm
