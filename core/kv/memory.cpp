// The in-memory store: a sorted map behind one mutex (each call is short; the map is
// what a test or a benchmark needs, not a production store).
#include <charconv>
#include <map>
#include <mutex>

#include "kv/kv.hpp"

namespace edgectl::kv {

std::optional<int64_t> parse_integer(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text[0] == '+') return std::nullopt;
  return v;
}

namespace {

class MemoryStore final : public Store {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status set(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mu_);
    map_.insert_or_assign(std::string(key), std::string(value));
    return {};
  }
  Status remove(std::string_view key) override {
    std::lock_guard lock(mu_);
    if (auto it = map_.find(key); it != map_.end()) map_.erase(it);
    return {};
  }
  Result<bool> exists(std::string_view key) override {
    std::lock_guard lock(mu_);
    return map_.find(key) != map_.end();
  }
  Result<std::vector<std::string>> keys(std::string_view prefix, uint64_t offset, size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (auto it = map_.lower_bound(prefix); it != map_.end() && out.size() < limit; ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      if (offset > 0) {
        --offset;
        continue;
      }
      out.push_back(it->first);
    }
    return out;
  }
  Result<std::optional<int64_t>> increment(std::string_view key, int64_t delta) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    int64_t now = 0;
    if (it != map_.end()) {
      auto v = parse_integer(it->second);
      if (!v) return std::optional<int64_t>();
      now = *v;
    }
    int64_t next = 0;
    if (__builtin_add_overflow(now, delta, &next)) return std::optional<int64_t>();
    map_.insert_or_assign(std::string(key), std::to_string(next));
    return std::optional<int64_t>(next);
  }
  Result<bool> compare_and_swap(std::string_view key, std::optional<std::string_view> expected,
                                std::string_view value) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    const bool matches = expected ? (it != map_.end() && it->second == *expected) : it == map_.end();
    if (!matches) return false;
    map_.insert_or_assign(std::string(key), std::string(value));
    return true;
  }
  std::string describe() const override { return "memory"; }

 private:
  std::mutex mu_;
  std::map<std::string, std::string, std::less<>> map_;
};

}  // namespace

std::unique_ptr<Store> open_memory() { return std::make_unique<MemoryStore>(); }

}  // namespace edgectl::kv
