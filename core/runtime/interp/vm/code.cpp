// Code::decode: wabt's interp reader turns the bytes into a ModuleDesc (its bytecode plus
// the module's structure) once; every thread makes its wabt Module from that. C++17 and
// wabt interp headers: see runtime/interp/vm/vm.hpp.
#include <wabt/binary-reader.h>
#include <wabt/error-formatter.h>
#include <wabt/interp/binary-reader-interp.h>

#include <atomic>
#include <utility>

#include "runtime/interp/detail/vm_internal.hpp"

namespace edgectl::runtime::interp::vm {
namespace {

std::atomic<uint64_t> next_code_id{1};

FuncSig to_sig(const wi::FuncType& type) {
  FuncSig sig;
  for (auto t : type.params) sig.params.push_back(to_val_type(t));
  for (auto t : type.results) sig.results.push_back(to_val_type(t));
  return sig;
}

ExternKind to_kind(wi::ExternKind k) {
  switch (k) {
    case wi::ExternKind::Func:
      return ExternKind::Func;
    case wi::ExternKind::Table:
      return ExternKind::Table;
    case wi::ExternKind::Memory:
      return ExternKind::Memory;
    case wi::ExternKind::Global:
      return ExternKind::Global;
    case wi::ExternKind::Tag:
      return ExternKind::Tag;
  }
  return ExternKind::Func;
}

wabt::Features to_wabt(const Features& in) {
  wabt::Features f;
  // wabt 1.0.32 enables several proposals by default: set each one explicitly.
  f.set_mutable_globals_enabled(in.mutable_globals);
  f.set_sign_extension_enabled(in.sign_ext);
  f.set_sat_float_to_int_enabled(in.sat_float_to_int);
  f.set_bulk_memory_enabled(in.bulk_memory);
  f.set_multi_value_enabled(in.multi_value);
  f.set_reference_types_enabled(in.reference_types);
  f.set_simd_enabled(in.simd);
  f.set_threads_enabled(false);
  f.set_tail_call_enabled(false);
  f.set_exceptions_enabled(false);
  f.set_memory64_enabled(false);
  f.set_multi_memory_enabled(false);
  return f;
}

}  // namespace

Code::Code(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Code::~Code() = default;

const std::vector<Import>& Code::imports() const {
  return impl_->imports;
}
const std::vector<Export>& Code::exports() const {
  return impl_->exports;
}
std::optional<uint32_t> Code::start_function() const {
  return impl_->start;
}

std::shared_ptr<const Code> Code::decode(const uint8_t* data, size_t size,
                                         const std::string& filename, const Features& features,
                                         std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->features = to_wabt(features);
  const bool kReadDebugNames =
      false;  // ModuleDesc has nowhere to keep them; names come from inspect
  const bool kStopOnFirstError = true;
  const bool kFailOnCustomSectionError =
      false;  // as validate(): broken custom sections are skipped
  wabt::ReadBinaryOptions options(impl->features, nullptr, kReadDebugNames, kStopOnFirstError,
                                  kFailOnCustomSectionError);
  wabt::Errors errors;
  if (wabt::Failed(wi::ReadBinaryInterp(filename, data, size, options, &errors, &impl->desc))) {
    *error = wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
    while (!error->empty() && error->back() == '\n') error->pop_back();
    return nullptr;
  }

  wi::ModuleDesc& desc = impl->desc;
  for (const auto& import : desc.imports) {
    Import out{import.type.module, import.type.name, to_kind(import.type.type->kind), {}};
    if (auto* f = wabt::dyn_cast<wi::FuncType>(import.type.type.get())) out.sig = to_sig(*f);
    impl->imports.push_back(std::move(out));
  }
  for (const auto& e : desc.exports) {
    Export out{e.type.name, to_kind(e.type.type->kind), e.index, {}};
    if (auto* f = wabt::dyn_cast<wi::FuncType>(e.type.type.get())) out.sig = to_sig(*f);
    impl->exports.push_back(std::move(out));
  }
  // wabt runs start functions inside Instance::Instantiate with no limits; ours runs after
  // instantiation through the same step loop as every other call (the spec's order is the
  // same: segments are initialised first, then start runs).
  if (!desc.starts.empty()) impl->start = desc.starts.front().func_index;
  desc.starts.clear();
  impl->id = next_code_id.fetch_add(1, std::memory_order_relaxed);
  return std::shared_ptr<const Code>(new Code(std::move(impl)));
}

}  // namespace edgectl::runtime::interp::vm
