#pragma once
// Internals of the interp engine's wabt half, shared by vm/*.cpp. Those files, and only
// they, include wabt's interpreter headers, and are built as C++17 because wabt 1.0.32's
// interp-inl.h does not compile as C++20 under GCC 12 (see runtime/interp/vm/vm.hpp).
#include <wabt/feature.h>
#include <wabt/interp/interp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "runtime/interp/vm/vm.hpp"

namespace edgectl::runtime::interp::vm {

namespace wi = wabt::interp;

struct Code::Impl {
  wi::ModuleDesc desc;  // desc.starts is empty: the start function runs under our limits
  wabt::Features features;
  std::vector<Import> imports;
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  uint64_t id = 0;  // unique for the process's life: keys the per-thread module map
};

// The interpreter state of one OS thread. wabt's Store is not thread-safe, so each thread
// that instantiates gets its own, with the wabt Module of each Code it has used (made on
// first use from the shared ModuleDesc: Module::New copies it). This is the one place a
// Store lives and the one place Store::Collect() is called.
class ThreadStore {
 public:
  static ThreadStore& current();

  wi::Store& store() { return store_; }
  // The wabt Module for `code` with every memory's maximum lowered to `memory_pages` and
  // every table's to kMaxTableElements.
  wi::Module::Ptr module_for(const std::shared_ptr<const Code>& code, uint64_t memory_pages);
  // An instance was released (or failed to instantiate), leaving `memory_bytes` of linear
  // memory as garbage until the next collection. Collects on the cadence below.
  void released(uint64_t memory_bytes);

  ThreadStore(const ThreadStore&) = delete;
  ThreadStore& operator=(const ThreadStore&) = delete;

 private:
  ThreadStore() = default;
  void collect();

  struct Entry {
    std::weak_ptr<const Code> code;  // expired: the Code is gone and the entry is dropped
    wi::Module::Ptr module;
  };
  // Declared before modules_ so that it is destroyed after them (RefPtrs unroot on the way).
  wi::Store store_;
  std::map<std::pair<uint64_t, uint64_t>, Entry> modules_;  // (Code id, memory pages) -> Module
  uint32_t released_since_collect_ = 0;
  uint64_t garbage_bytes_ = 0;
};

inline ValType to_val_type(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32:
      return ValType::I32;
    case wabt::Type::I64:
      return ValType::I64;
    case wabt::Type::F32:
      return ValType::F32;
    case wabt::Type::F64:
      return ValType::F64;
    case wabt::Type::V128:
      return ValType::V128;
    case wabt::Type::FuncRef:
      return ValType::FuncRef;
    default:
      return ValType::ExternRef;  // the only other type runtime_features() admits
  }
}

// Tables grow without a bound of their own (up to 2^32 - 1 elements of 8 bytes each), so
// each is capped: a million elements is 8 MB, far above what compilers emit.
inline constexpr uint64_t kMaxTableElements = 1'000'000;

}  // namespace edgectl::runtime::interp::vm
