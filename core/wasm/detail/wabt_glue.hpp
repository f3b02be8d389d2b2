#pragma once
// Shared glue between edgectl's wasm types and wabt's: feature sets and error conversion.
// Only core/wasm/ includes this.
#include <wabt/common.h>
#include <wabt/error.h>
#include <wabt/feature.h>

#include <string>

#include "util/error.hpp"
#include "wasm/wasm.hpp"

namespace edgectl::wasm::detail {

wabt::Features to_wabt(FeatureSet set);

// Converts wabt's errors (binary offsets or text positions) to one Error, first error first.
// `source` is the text of a .wat file, used to show the offending line; may be empty.
Error from_wabt(const wabt::Errors& errors, const std::string& filename, std::string_view source = {});

}  // namespace edgectl::wasm::detail
