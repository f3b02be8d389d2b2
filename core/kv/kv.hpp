#pragma once
// Key-value stores for guests (the host API's kv_* functions, docs/host-api.md): one
// interface, three backends here — SQLite (the default: a file per store, WAL mode, durable
// across restarts), memory (tests, benchmarks, `serve --kv memory`) and Redis (chosen in a
// runtime config, so several edge hosts share one store). Every operation is atomic on its
// own; increment and compare_and_swap are the two that read and write, so counters stay
// right under concurrent requests from every worker thread (and, with Redis, every host).
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
  // "sqlite .edgectl/kv/default.db", "memory", "redis 127.0.0.1:6379 db 0" (never a password)
  virtual std::string describe() const = 0;
};

// A store in a SQLite database file (created with its folder). Error: it cannot be opened
// or is not a store this code made.
Result<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& file);
std::unique_ptr<Store> open_memory();

// Where a Redis store lives, from a URL:
//   redis://[[user]:password@]host[:port][/db]     (port 6379, db 0 by default; host may be
//                                                   an [IPv6] literal; user and password
//                                                   may be %-encoded)
//   unix://[[user]:password@]/path/to.sock[?db=N]
// rediss:// (TLS) is refused: Debian 12's hiredis is built without it.
struct RedisAddress {
  std::string host;         // empty for a Unix socket
  uint16_t port = 6379;
  std::string socket;       // the Unix socket's path
  std::string user, password;  // both empty: no AUTH; user empty: AUTH password (legacy)
  int db = 0;
  // "127.0.0.1:6379", "[::1]:6379", "/run/redis.sock": for messages, never with a password.
  std::string endpoint() const;
};
// Error: what is wrong with the URL, which it quotes with any password replaced by "***".
Result<RedisAddress> parse_redis_url(std::string_view url);
// `url` with any password replaced by "***" (for messages and logs).
std::string redact_url(std::string_view url);

// The store `store_name` in the Redis at `url`: keys are "edgectl:<store_name>:<key>", so
// several stores (and other users) share one Redis. Connects once to check the URL, the
// password and the db. Error: "key-value store 'default' (redis 127.0.0.1:6379 db 0):
// connection refused".
Result<std::unique_ptr<Store>> open_redis(const std::string& url, const std::string& store_name);

// The decimal text of a 64-bit integer, and back (strict: optional '-', digits, no spaces).
std::optional<int64_t> parse_integer(std::string_view text);

}  // namespace edgectl::kv
