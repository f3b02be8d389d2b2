// The one Store per thread and its collection cadence. C++17 and wabt interp headers: see
// runtime/interp/vm/vm.hpp.
#include <algorithm>

#include "runtime/interp/detail/vm_internal.hpp"

namespace edgectl::runtime::interp::vm {
namespace {

// wabt's GC is explicit: a released instance (its objects and its linear memory) stays in
// the Store until Collect(), which walks every object of the Store. Collecting after each
// instance would cost about as much as instantiating; batching amortises it while keeping
// the garbage bounded, whichever of these two comes first.
constexpr uint32_t kCollectEveryInstances = 32;
constexpr uint64_t kCollectGarbageBytes = 64ull << 20;  // dead linear memory per thread

}  // namespace

ThreadStore& ThreadStore::current() {
  // Destroyed at thread exit, after every Machine of the thread (they must not outlive it).
  static thread_local ThreadStore state;
  return state;
}

wi::Module::Ptr ThreadStore::module_for(const std::shared_ptr<const Code>& code,
                                        uint64_t memory_pages) {
  const auto key = std::make_pair(code->impl().id, memory_pages);
  if (auto it = modules_.find(key); it != modules_.end()) return it->second.module;

  wi::ModuleDesc desc = code->impl().desc;
  // Memory::Grow fails (memory.grow returns -1) past limits.max; MemoryType filled in the
  // spec's maximum when the module declared none, so lowering it is the whole cap.
  for (auto& memory : desc.memories) {
    memory.type.limits.max = std::min<uint64_t>(memory.type.limits.max, memory_pages);
    memory.type.limits.has_max = true;
  }
  for (auto& table : desc.tables) {
    table.type.limits.max = std::min<uint64_t>(table.type.limits.max, kMaxTableElements);
    table.type.limits.has_max = true;
  }
  wi::Module::Ptr module = wi::Module::New(store_, std::move(desc));
  modules_.emplace(key, Entry{code, module});
  return module;
}

void ThreadStore::released(uint64_t memory_bytes) {
  ++released_since_collect_;
  garbage_bytes_ += memory_bytes;
  if (released_since_collect_ >= kCollectEveryInstances || garbage_bytes_ >= kCollectGarbageBytes)
    collect();
}

void ThreadStore::collect() {
  // Modules of Codes that are gone can no longer be instantiated: unroot them first so that
  // this collection frees them too.
  for (auto it = modules_.begin(); it != modules_.end();)
    it = it->second.code.expired() ? modules_.erase(it) : std::next(it);
  store_.Collect();
  released_since_collect_ = 0;
  garbage_bytes_ = 0;
}

}  // namespace edgectl::runtime::interp::vm
