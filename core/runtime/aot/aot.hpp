#pragma once
// The aot engine: wasm → C (wabt's wasm2c) → shared library (the system C compiler, -O2,
// split over the cores) → dlopen, cached on disk. Also what the CLI needs of it: the
// toolchain check, pre-compiling (`edgectl build --aot`) and the cache (`edgectl cache`).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "util/error.hpp"

namespace edgectl::runtime::aot {

// Bumped whenever the glue, the wasm-rt.h wrapper or rt.cpp change what a library expects:
// it is part of every cache key, so old entries are never loaded by a newer edgectl.
inline constexpr uint32_t kAbiVersion = 5;

// How hard the C compiler works. Optimized is what a module runs on for good; Quick (-O0,
// with clang when there is one: 2-4x faster to compile than gcc -O0) is a first native tier
// for large modules, ready in seconds and replaced by Optimized in the background (auto).
enum class Tier { Optimized, Quick };
std::string_view to_string(Tier t);

struct Toolchain {
  std::filesystem::path wasm2c;
  std::filesystem::path cc;
  // The compiler of the quick tier: $EDGECTL_QUICK_CC, else clang (newest clang-NN), else cc.
  std::filesystem::path quick_cc;
  std::filesystem::path rt_header;  // wabt's wasm-rt.h
  // Extra compiler flags from $EDGECTL_AOT_CFLAGS (e.g. -march=native), part of the key.
  std::string extra_flags;
  // realpath, size and mtime of each of the four: changes when any is upgraded.
  std::string identity;
};

// Finds wasm2c, wabt's wasm-rt.h and a C compiler ($EDGECTL_CC, $CC, then cc, gcc, clang).
// Error: what is missing and the Debian package that provides it.
Result<Toolchain> detect_toolchain();

// $XDG_CACHE_HOME/edgectl/aot, else ~/.cache/edgectl/aot.
std::filesystem::path cache_dir();

struct CompileOptions {
  size_t jobs = 0;  // parallel compiler processes; 0: one per core
  // Progress for long compiles ("translating", "compiling 2 parts", "linking").
  std::function<void(std::string_view)> on_progress;
  // Set from another thread to stop (compiler processes are terminated).
  const std::atomic<bool>* cancel = nullptr;
  std::string name;  // for messages and `cache list`
  // The caller validated the bytes with wasm::runtime_features(): recorded in the entry, so
  // a later load on a cache hit may skip validation (which costs as much as decoding).
  bool validated = false;
  std::string wasm_sha256;  // the bytes' sha256 if known (else it is computed)
  // Less generated C than this compiles as one part (a part's fixed cost is the shared
  // declarations); tests set 0 to exercise the split.
  size_t min_split_bytes = 512 * 1024;
  // The cache to read and publish into; empty: cache_dir(). edgectl bench points it at an
  // empty folder to time a cache miss without touching the user's cache.
  std::filesystem::path cache_root;
  Tier tier = Tier::Optimized;
};

// Modules above this many bytes get the quick tier first under auto, and -O1 rather than -O2
// when optimized: compile time grows much faster than the speed -O2 buys.
inline constexpr uint64_t kLargeModuleBytes = 1024 * 1024;

struct Compiled {
  std::filesystem::path library;  // the cached shared object
  std::string key;
  bool cache_hit = false;
  std::chrono::nanoseconds time{0};  // compile time (or lookup time on a hit)
  uint64_t library_bytes = 0;
  std::string flags;
  bool validated = false;  // the entry records a validation with wasm::runtime_features()
  Tier tier = Tier::Optimized;
};

// The cached library for `bytes` (already validated), building it on a miss. Writers
// publish with rename, so concurrent processes never see half an entry; an entry whose
// metadata or library does not match its key is rebuilt. A module the toolchain cannot
// take (wasm2c or the compiler refuses it: not a crash, a signal or a cancel) is recorded
// in its entry as a failure: later calls return the same error at once, `cache list` shows
// it, and `cache clear` (or another toolchain) tries again.
Result<Compiled> compile(std::span<const uint8_t> bytes, const Toolchain& toolchain,
                         const CompileOptions& options);
// The cached library if present and valid, without building.
// `wasm_sha256`: the bytes' sha256 if known (else it is computed).
std::optional<Compiled> lookup(std::span<const uint8_t> bytes, const Toolchain& toolchain,
                               std::string_view wasm_sha256 = {}, Tier tier = Tier::Optimized);
// The cache key of `bytes` under `toolchain` (what lookup() and compile() use).
std::string cache_key(std::span<const uint8_t> bytes, const Toolchain& toolchain,
                      Tier tier = Tier::Optimized);

struct CacheEntry {
  std::string key;
  std::string name;         // the module's file name when it was compiled
  std::string wasm_sha256;
  std::string compiler;     // first line of `cc --version`
  std::string flags;
  uint64_t bytes = 0;       // the entry's size on disk
  std::string created;      // ISO 8601 UTC
  std::filesystem::path path;
  std::string tier;         // "optimized", "quick"
  std::string failure;      // a recorded failure: why the module cannot be compiled
};
Result<std::vector<CacheEntry>> list_cache();
// Removes every entry (and leftovers of interrupted builds). Returns the bytes freed.
Result<uint64_t> clear_cache();

// The aot engine. Without a toolchain it says so through LoadOptions::on_notice and loads
// with the interpreter. `cancel`, if given, stops compiles in progress when set (their
// load() fails); it must outlive the engine.
std::unique_ptr<Engine> make_engine(const std::atomic<bool>* cancel = nullptr);

}  // namespace edgectl::runtime::aot
