#pragma once
// The "auto" engine (tiered.cpp): interpreter at once, native code when compiled.
#include <chrono>
#include <memory>

#include "runtime/runtime.hpp"

namespace edgectl::runtime {

std::unique_ptr<Engine> make_tiered_engine();

// Waits until `module` (loaded by `engine`) runs native code, at most `timeout`. True when it
// does; false when it stays on the interpreter (no toolchain, a failed compile, time out).
// For any engine other than auto: whether the module is native already.
bool wait_for_native(Engine& engine, const Module& module, std::chrono::milliseconds timeout);

}  // namespace edgectl::runtime
