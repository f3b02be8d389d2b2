#pragma once
// Key-value stores for guests (the host API's kv_* functions, docs/host-api.md): one
// interface, two backends here — SQLite (the default: a file per store, WAL mode, durable
// across restarts) and memory (tests, benchmarks, `serve --kv memory`). Every operation is
// atomic on its own; increment and compare_and_swap are the two that read and write, so
// counters stay right under concurrent requests from every worker thread.
// Keys and values are bytes. Limits (checked by the host API, not here): key ≤ 256 bytes,
// value ≤ 1 MiB.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace edgectl::kv {

inline constexpr size_t kMaxKeyBytes = 256;
inline constexpr size_t kMaxValueBytes = 1024 * 1024;

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Status set(std::string_view key, std::string_view value) = 0;
  virtual Status remove(std::string_view key) = 0;  // absent is fine
  virtual Result<bool> exists(std::string_view key) = 0;
  // Keys starting with `prefix`, in byte order, skipping the first `offset`, at most `limit`.
  virtual Result<std::vector<std::string>> keys(std::string_view prefix, uint64_t offset, size_t limit) = 0;
  // Adds `delta` to the decimal integer stored at `key` (absent: 0) and stores the result
  // as decimal text. nullopt: the value there is not a decimal 64-bit integer (or would
  // overflow); nothing changed.
  virtual Result<std::optional<int64_t>> increment(std::string_view key, int64_t delta) = 0;
  // Sets `key` to `value` only if its current value is `expected` (nullopt: only if it is
  // absent). Returns whether it did.
  virtual Result<bool> compare_and_swap(std::string_view key, std::optional<std::string_view> expected,
                                        std::string_view value) = 0;
  virtual std::string describe() const = 0;  // "sqlite .edgectl/kv/default.db", "memory"
};

// A store in a SQLite database file (created with its folder). Error: it cannot be opened
// or is not a store this code made.
Result<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& file);
std::unique_ptr<Store> open_memory();

// The decimal text of a 64-bit integer, and back (strict: optional '-', digits, no spaces).
std::optional<int64_t> parse_integer(std::string_view text);

}  // namespace edgectl::kv
