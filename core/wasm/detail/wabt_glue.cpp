#include "wasm/detail/wabt_glue.hpp"

#include <algorithm>
#include <string_view>

namespace edgectl::wasm::detail {

wabt::Features to_wabt(FeatureSet set) {
  wabt::Features f;
  auto has = [&](Feature x) { return (set & static_cast<FeatureSet>(x)) != 0; };
  // wabt 1.0.32 enables some proposals by default; set every one explicitly.
  f.set_mutable_globals_enabled(has(Feature::MutableGlobals));
  f.set_sign_extension_enabled(has(Feature::SignExt));
  f.set_sat_float_to_int_enabled(has(Feature::SatFloatToInt));
  f.set_bulk_memory_enabled(has(Feature::BulkMemory));
  f.set_multi_value_enabled(has(Feature::MultiValue));
  f.set_reference_types_enabled(has(Feature::ReferenceTypes));
  f.set_simd_enabled(has(Feature::Simd));
  f.set_threads_enabled(has(Feature::Threads));
  f.set_tail_call_enabled(has(Feature::TailCall));
  f.set_exceptions_enabled(has(Feature::Exceptions));
  f.set_memory64_enabled(has(Feature::Memory64));
  f.set_multi_memory_enabled(has(Feature::MultiMemory));
  return f;
}

namespace {

std::string line_of(std::string_view source, int line) {
  if (source.empty() || line <= 0) return {};
  size_t pos = 0;
  for (int i = 1; i < line; ++i) {
    pos = source.find('\n', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  size_t end = source.find('\n', pos);
  std::string out(source.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

}  // namespace

Error from_wabt(const wabt::Errors& errors, const std::string& filename, std::string_view source) {
  std::vector<Diagnostic> diags;
  for (const auto& e : errors) {
    if (e.error_level != wabt::ErrorLevel::Error) continue;
    Diagnostic d;
    d.message = e.message;
    // wabt's Location is a union: text positions when we parsed text, else a byte offset.
    if (!source.empty()) {
      d.location = TextLocation{filename, static_cast<uint32_t>(e.loc.line),
                                static_cast<uint32_t>(e.loc.first_column),
                                static_cast<uint32_t>(std::max(1, e.loc.last_column - e.loc.first_column)),
                                line_of(source, e.loc.line)};
    } else if (e.loc.offset == wabt::kInvalidOffset) {
      d.location = FileLocation{filename};
    } else {
      d.location = WasmLocation{filename, e.loc.offset};
    }
    diags.push_back(std::move(d));
  }
  if (diags.empty()) diags.push_back({Severity::Error, "invalid module", FileLocation{filename}, {}});
  return Error(std::move(diags));
}

}  // namespace edgectl::wasm::detail
