// libFuzzer target: inspect() and validate() on arbitrary bytes must return (a value or an
// Error whose offsets lie within the input), never crash, hang or allocate without bound.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

#include "wasm/wasm.hpp"

namespace {

void check_offsets(const edgectl::Error& e, size_t size) {
  for (const auto& d : e.diagnostics()) {
    const auto* loc = std::get_if<edgectl::WasmLocation>(&d.location);
    if (loc == nullptr || loc->offset > size) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace edgectl::wasm;
  std::span<const uint8_t> bytes(data, size);
  auto info = inspect(bytes, "fuzz.wasm");
  if (!info) check_offsets(info.error(), size);
  // All features, so that inputs get past the feature check into wabt's validator too.
  constexpr FeatureSet kAllFeatures = ~FeatureSet{0};
  for (FeatureSet features : {runtime_features(), kAllFeatures}) {
    auto status = validate(bytes, "fuzz.wasm", features);
    if (!status) check_offsets(status.error(), size);
    if (!info && status) std::abort();  // validate() never accepts what inspect() refuses
  }
  return 0;
}
