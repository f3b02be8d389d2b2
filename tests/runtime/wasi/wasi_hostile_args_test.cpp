// Every function called with hostile arguments (pointers past the end, lengths that wrap
// around 2^32, stray fds, random memory contents) on a memory fenced by inaccessible pages:
// each call must come back with an errno, and an out-of-bounds access would crash the test.
#include <sys/mman.h>
#include <unistd.h>

#include <random>

#include "runtime/wasi/wasi.hpp"
#include "util/fs.hpp"
#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;
using edgectl::runtime::wasi::FunctionSpec;
using edgectl::runtime::wasi::ParamType;
using edgectl::runtime::wasi::preview1_functions;

namespace {

constexpr int kCallsPerFunction = 300;
constexpr uint32_t kLastErrno = 76;

// Guest memory with a PROT_NONE page on each side.
class FencedMemory {
 public:
  explicit FencedMemory(size_t pages)
      : page_(static_cast<size_t>(::sysconf(_SC_PAGESIZE))), pages_(pages) {
    void* p = ::mmap(nullptr, (pages + 2) * page_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    region_ = static_cast<uint8_t*>(p);
    REQUIRE(::mprotect(region_ + page_, pages * page_, PROT_READ | PROT_WRITE) == 0);
  }
  ~FencedMemory() { ::munmap(region_, (pages_ + 2) * page_); }
  GuestMemory view() const { return GuestMemory{region_ + page_, pages_ * page_}; }

 private:
  size_t page_;
  size_t pages_;
  uint8_t* region_ = nullptr;
};

}  // namespace

TEST_CASE("wasi: hostile arguments never crash and never touch memory out of bounds") {
  edgectl::TempDir dir;
  FencedMemory fenced(16);
  const GuestMemory mem = fenced.view();
  const auto size = static_cast<uint32_t>(mem.size);
  const std::vector<uint64_t> i32_values{0,          1,          2,         3,        4,
                                         5,          8,          24,        64,       size - 64,
                                         size - 8,   size - 1,   size,      size + 1, 0x7FFFFFFF,
                                         0xFFFFFFF0, 0xFFFFFFF8, 0xFFFFFFFF};
  const std::vector<uint64_t> i64_values{0, 1, 4096, 1ull << 63, ~0ull};
  std::mt19937_64 rng(20240607);
  const auto& table = preview1_functions();
  for (size_t index = 0; index < table.size(); ++index) {
    const FunctionSpec& f = table[index];
    CAPTURE(f.name);
    WasiConfig c = Guest::buffered();
    c.stdin_data = "input";
    c.preopens.push_back(Preopen{dir.path(), "/", true});
    auto ctx = WasiCtx::create(std::move(c));
    REQUIRE(ctx.ok());
    // Blocking calls return at once.
    (*ctx)->set_deadline(std::chrono::steady_clock::now());
    for (int i = 0; i < kCallsPerFunction; ++i) {
      // Half the calls see zeroed memory, half random bytes (iovecs, subscriptions, paths).
      if (i % 2 == 0) {
        std::memset(mem.base, 0, mem.size);
      } else {
        for (size_t b = 0; b < mem.size; b += 8) {
          const uint64_t r = rng();
          std::memcpy(mem.base + b, &r, 8);
        }
      }
      std::vector<uint64_t> args;
      for (ParamType p : f.params) {
        const auto& pool = p == ParamType::I32 ? i32_values : i64_values;
        args.push_back(rng() % 4 == 0 ? (p == ParamType::I32 ? rng() & 0xFFFFFFFF : rng())
                                      : pool[rng() % pool.size()]);
      }
      const CallResult r = (*ctx)->call(index, mem, args);
      CHECK_FALSE(r.trap);
      CHECK(r.errno_value <= kLastErrno);
      if (f.name != "proc_exit") CHECK_FALSE(r.exited);
    }
  }
}

TEST_CASE("wasi: with no memory at all, every pointer faults") {
  WasiConfig c = Guest::buffered();
  auto ctx = WasiCtx::create(std::move(c));
  REQUIRE(ctx.ok());
  const GuestMemory none{};
  auto call = [&](std::string_view name, std::vector<uint64_t> args) {
    return static_cast<Errno>(
        (*ctx)->call(*edgectl::runtime::wasi::find_function(name), none, args).errno_value);
  };
  CHECK(call("args_sizes_get", {0, 4}) == Errno::Fault);
  CHECK(call("clock_time_get", {kClockMonotonic, 0, 0}) == Errno::Fault);
  CHECK(call("fd_write", {kStdout, 0, 1, 0}) == Errno::Fault);
  CHECK(call("fd_fdstat_get", {kStdout, 0}) == Errno::Fault);
  CHECK(call("random_get", {0, 1}) == Errno::Fault);
  CHECK(call("random_get", {0, 0}) == Errno::Success);
  CHECK(call("poll_oneoff", {0, 0, 1, 0}) == Errno::Fault);
}
