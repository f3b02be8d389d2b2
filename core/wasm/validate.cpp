// validate(): inspect() first, so that a feature outside the allowed set is reported by
// name at its first use (wabt would only say "opcode not allowed"), then wabt's IR reader
// and validator with exactly the allowed features.
//
// Cost: wabt's IR holds every instruction, measured at ~80 bytes of memory per byte of a
// body of 1-byte instructions (10 MB of nops: 800 MB, 5 s). Bounded by the input, but
// the reason the build gate should check a size budget before validating.
#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/cast.h>
#include <wabt/ir.h>
#include <wabt/validator.h>

#include <array>
#include <utility>

#include "wasm/detail/wabt_glue.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::wasm {
namespace {

// How to stop emitting a feature, for the features edgectl's runtime refuses.
constexpr std::array<std::pair<Feature, const char*>, 5> kFeatureHints{{
    {Feature::Threads, "build for wasm32-wasi without -pthread or -matomics"},
    {Feature::TailCall, "build without -mtail-call"},
    {Feature::Exceptions, "build without -fwasm-exceptions (C++: -fno-exceptions)"},
    {Feature::Memory64, "build for wasm32, not wasm64"},
    {Feature::MultiMemory, "link into a single memory"},
}};

Status check_features(const ModuleInfo& info, FeatureSet enabled, const std::string& filename) {
  const char* why = enabled == runtime_features() ? "which edgectl's runtime does not support"
                                                  : "which is not enabled";
  std::vector<Diagnostic> diags;
  for (const auto& use : info.feature_uses) {
    if (enabled & static_cast<FeatureSet>(use.feature)) continue;
    std::string name = feature_names(static_cast<FeatureSet>(use.feature)).front();
    Diagnostic d{Severity::Error,
                 "module uses " + name + " (" + use.what + "), " + why,
                 WasmLocation{filename, use.offset},
                 {}};
    for (auto [f, hint] : kFeatureHints)
      if (f == use.feature) d.notes.emplace_back(hint);
    diags.push_back(std::move(d));
  }
  if (diags.empty()) return {};
  return Error(std::move(diags));
}

void drain(wabt::ExprList& list, std::vector<wabt::ExprList>& pending) {
  while (!list.empty()) {
    std::unique_ptr<wabt::Expr> expr = list.extract_front();
    auto take = [&](wabt::ExprList& inner) { pending.push_back(std::move(inner)); };
    switch (expr->type()) {
      case wabt::ExprType::Block:
        take(wabt::cast<wabt::BlockExpr>(expr.get())->block.exprs);
        break;
      case wabt::ExprType::Loop:
        take(wabt::cast<wabt::LoopExpr>(expr.get())->block.exprs);
        break;
      case wabt::ExprType::If: {
        auto* e = wabt::cast<wabt::IfExpr>(expr.get());
        take(e->true_.exprs);
        take(e->false_);
        break;
      }
      case wabt::ExprType::Try: {
        auto* e = wabt::cast<wabt::TryExpr>(expr.get());
        take(e->block.exprs);
        for (auto& c : e->catches) take(c.exprs);
        break;
      }
      default:
        break;
    }
  }  // each expr is destroyed here with its children already moved out
}

// wabt's Expr destructors recurse once per nesting level, so a module of a few MB of
// nested blocks would overflow the stack when the Module is destroyed. Emptying every
// expression list with an explicit work list first keeps teardown flat.
void flatten_for_teardown(wabt::Module& module) {
  std::vector<wabt::ExprList> pending;
  auto add = [&](wabt::ExprList& list) { pending.push_back(std::move(list)); };
  for (wabt::Func* f : module.funcs) add(f->exprs);
  for (wabt::Global* g : module.globals) add(g->init_expr);
  for (wabt::ElemSegment* s : module.elem_segments) {
    add(s->offset);
    for (auto& e : s->elem_exprs) add(e);
  }
  for (wabt::DataSegment* s : module.data_segments) add(s->offset);
  while (!pending.empty()) {
    wabt::ExprList list = std::move(pending.back());
    pending.pop_back();
    drain(list, pending);
  }
}

// wabt's IR builder reports structural errors ("popping empty label stack") without an
// offset; the binary reader then adds "OnEndExpr callback failed" at the offset. Merge
// each such pair into one error: the builder's message at the reader's offset.
wabt::Errors with_offsets(const wabt::Errors& errors) {
  constexpr std::string_view kCallbackFailed = "callback failed";
  wabt::Errors out;
  for (const auto& e : errors) {
    const bool is_callback_failure = e.message.ends_with(kCallbackFailed);
    if (is_callback_failure && !out.empty() && out.back().loc.offset == wabt::kInvalidOffset) {
      out.back().loc.offset = e.loc.offset;
      continue;
    }
    out.push_back(e);
  }
  return out;
}

// Owns a wabt::Module and flattens it before destruction, on every return path.
struct FlatModule {
  wabt::Module module;
  FlatModule() = default;
  FlatModule(const FlatModule&) = delete;
  FlatModule& operator=(const FlatModule&) = delete;
  ~FlatModule() { flatten_for_teardown(module); }
};

}  // namespace

Status validate(std::span<const uint8_t> bytes, const std::string& filename, FeatureSet enabled) {
  auto info = inspect(bytes, filename);
  if (!info) return std::move(info).error();
  if (auto s = check_features(*info, enabled, filename); !s) return s;

  wabt::Features features = detail::to_wabt(enabled);
  wabt::Errors errors;
  FlatModule ir;
  const bool kReadDebugNames = false;  // names play no part in validity
  const bool kStopOnFirstError = true;
  const bool kFailOnCustomSectionError = false;  // engines ignore broken custom sections
  wabt::ReadBinaryOptions options(features, nullptr, kReadDebugNames, kStopOnFirstError,
                                  kFailOnCustomSectionError);
  if (wabt::Failed(wabt::ReadBinaryIr(filename.c_str(), bytes.data(), bytes.size(), options,
                                      &errors, &ir.module)))
    return detail::from_wabt(with_offsets(errors), filename);
  if (wabt::Failed(wabt::ValidateModule(&ir.module, &errors, wabt::ValidateOptions(features))))
    return detail::from_wabt(errors, filename);
  return {};
}

}  // namespace edgectl::wasm
