// The SQLite store: one database file per store, one table of (key BLOB PRIMARY KEY,
// value BLOB), WAL mode so readers never wait for the writer, synchronous=NORMAL (durable
// across process crashes and restarts; a power loss can drop the last commits), and a busy
// timeout for a second process on the same file (`edgectl kv` while serving).
// One connection, serialised by a mutex: every operation is a few microseconds, and
// increment and compare-and-swap run read-then-write inside one transaction under it, so
// they are atomic against every thread of this process — and, through BEGIN IMMEDIATE,
// against other processes too.
#include <sqlite3.h>

#include <mutex>

#include "kv/kv.hpp"

namespace edgectl::kv {
namespace {

namespace fs = std::filesystem;

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Binds, steps, and resets a prepared statement for each use.
struct Use {
  sqlite3_stmt* s;
  explicit Use(Statement& st) : s(st.get()) {}
  ~Use() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
  // An empty view may have a null data(): SQLite would bind that as NULL, not as an empty
  // blob (and the value column is NOT NULL).
  void text(int i, std::string_view v) {
    sqlite3_bind_blob(s, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void integer(int i, int64_t v) { sqlite3_bind_int64(s, i, v); }
  int step() { return sqlite3_step(s); }
  std::string column(int i) {
    const void* p = sqlite3_column_blob(s, i);
    const int n = sqlite3_column_bytes(s, i);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }
};

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> open(const fs::path& file) {
    std::error_code ec;
    if (!file.parent_path().empty()) fs::create_directories(file.parent_path(), ec);
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
      std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close(db);
      return Error("cannot open the key-value store " + file.string() + ": " + why, FileLocation{file.string()});
    }
    auto store = std::unique_ptr<SqliteStore>(new SqliteStore(db, file));
    if (auto s = store->init(); !s) return std::move(s).error();
    return std::unique_ptr<Store>(std::move(store));
  }

  ~SqliteStore() override {
    statements_.clear();
    sqlite3_close(db_);
  }

  Result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard lock(mu_);
    std::optional<std::string> value;
    if (!read(key, value)) return failure("get");
    return value;
  }
  Status set(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mu_);
    Use q(*set_);
    q.text(1, key);
    q.text(2, value);
    if (q.step() != SQLITE_DONE) return failure("set");
    return {};
  }
  Status remove(std::string_view key) override {
    std::lock_guard lock(mu_);
    Use q(*remove_);
    q.text(1, key);
    if (q.step() != SQLITE_DONE) return failure("delete");
    return {};
  }
  Result<bool> exists(std::string_view key) override {
    auto v = get(key);
    if (!v) return std::move(v).error();
    return v->has_value();
  }
  Result<std::vector<std::string>> keys(std::string_view prefix, uint64_t offset, size_t limit) override {
    std::lock_guard lock(mu_);
    // key >= prefix, in order, while it starts with prefix (blobs compare bytewise).
    Use q(*keys_);
    q.text(1, prefix);
    q.integer(2, static_cast<int64_t>(std::min<uint64_t>(offset, INT64_MAX)));
    std::vector<std::string> out;
    while (out.size() < limit) {
      const int rc = q.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return failure("list");
      std::string k = q.column(0);
      if (k.compare(0, prefix.size(), prefix) != 0) break;
      out.push_back(std::move(k));
    }
    return out;
  }
  Result<std::optional<int64_t>> increment(std::string_view key, int64_t delta) override {
    std::lock_guard lock(mu_);
    if (auto s = exec("BEGIN IMMEDIATE"); !s) return std::move(s).error();
    std::optional<std::string> current;
    if (!read(key, current)) return rollback("increment");
    int64_t now = 0;
    if (current) {
      auto v = parse_integer(*current);
      if (!v) {
        (void)exec("ROLLBACK");
        return std::optional<int64_t>();
      }
      now = *v;
    }
    int64_t next = 0;
    if (__builtin_add_overflow(now, delta, &next)) {
      (void)exec("ROLLBACK");
      return std::optional<int64_t>();
    }
    {
      Use q(*set_);
      const std::string text = std::to_string(next);
      q.text(1, key);
      q.text(2, text);
      if (q.step() != SQLITE_DONE) return rollback("increment");
    }
    if (auto s = exec("COMMIT"); !s) return rollback("increment");
    return std::optional<int64_t>(next);
  }
  Result<bool> compare_and_swap(std::string_view key, std::optional<std::string_view> expected,
                                std::string_view value) override {
    std::lock_guard lock(mu_);
    if (auto s = exec("BEGIN IMMEDIATE"); !s) return std::move(s).error();
    std::optional<std::string> current;
    if (!read(key, current)) return rollback("compare_and_swap");
    const bool matches = expected ? (current && *current == *expected) : !current;
    if (!matches) {
      (void)exec("ROLLBACK");
      return false;
    }
    {
      Use q(*set_);
      q.text(1, key);
      q.text(2, value);
      if (q.step() != SQLITE_DONE) return rollback("compare_and_swap");
    }
    if (auto s = exec("COMMIT"); !s) return rollback("compare_and_swap");
    return true;
  }
  std::string describe() const override { return "sqlite " + file_.string(); }

 private:
  SqliteStore(sqlite3* db, fs::path file) : db_(db), file_(std::move(file)) {}

  Status init() {
    sqlite3_busy_timeout(db_, 5000);
    for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                            "CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"})
      if (auto s = exec(sql); !s) return s;
    auto prepare = [&](const char* sql) {
      statements_.push_back(std::make_unique<Statement>(db_, sql));
      return statements_.back().get();
    };
    get_ = prepare("SELECT value FROM kv WHERE key = ?1");
    set_ = prepare("INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    remove_ = prepare("DELETE FROM kv WHERE key = ?1");
    keys_ = prepare("SELECT key FROM kv WHERE key >= ?1 ORDER BY key LIMIT -1 OFFSET ?2");
    for (const auto& s : statements_)
      if (!*s) return failure("prepare");
    return {};
  }
  // The value at `key` into `out` (nullopt: absent). False: SQLite failed. Mutex held.
  bool read(std::string_view key, std::optional<std::string>& out) {
    Use q(*get_);
    q.text(1, key);
    const int rc = q.step();
    if (rc == SQLITE_ROW) out = q.column(0);
    else out.reset();
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
  }
  Status exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
    std::string why = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return Error("key-value store " + file_.string() + ": " + why, FileLocation{file_.string()});
  }
  Error failure(const char* what) {
    return Error("key-value store " + file_.string() + ": " + what + " failed: " + sqlite3_errmsg(db_),
                 FileLocation{file_.string()});
  }
  Error rollback(const char* what) {
    Error e = failure(what);
    (void)exec("ROLLBACK");
    return e;
  }

  std::mutex mu_;
  sqlite3* db_;
  fs::path file_;
  std::vector<std::unique_ptr<Statement>> statements_;
  Statement* get_ = nullptr;
  Statement* set_ = nullptr;
  Statement* remove_ = nullptr;
  Statement* keys_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const fs::path& file) { return SqliteStore::open(file); }

}  // namespace edgectl::kv
