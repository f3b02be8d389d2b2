#pragma once
// The engine on wabt's interpreter (libwabt.a). make_engine("interp") returns it.
//
// Layout: engine.cpp (load: the policy, the cache) and instance.cpp (WASI binding, typed
// outcomes) implement runtime.hpp. vm/ (vm.hpp and its .cpp files) is the only code that
// touches wabt's interpreter: one Store per thread, and the step loop that enforces fuel,
// deadlines and call depth.
#include <memory>

#include "runtime/runtime.hpp"

namespace edgectl::runtime::interp {

std::unique_ptr<Engine> make_engine();

}  // namespace edgectl::runtime::interp
