#pragma once
// Cache internals shared by compile.cpp and the engine.
#include <string>

namespace edgectl::runtime::aot {

// Removes the entry for `key` (the engine found its library unusable: it will rebuild it).
void discard(const std::string& key);

}  // namespace edgectl::runtime::aot
