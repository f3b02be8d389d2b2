#pragma once
// Calls WASI functions the way an engine does, through WasiCtx::call, with a plain byte
// vector as guest memory. Spec constants are restated here from typenames.witx rather than
// taken from the implementation, so the tests check the numbers themselves.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/wasi/wasi.hpp"

namespace edgectl::runtime::wasi {
inline std::ostream& operator<<(std::ostream& os, Errno e) {
  return os << "errno " << static_cast<int>(e);
}
}  // namespace edgectl::runtime::wasi

namespace edgectl::test::wasi {

using runtime::wasi::CallResult;
using runtime::wasi::Errno;
using runtime::wasi::GuestMemory;
using runtime::wasi::Preopen;
using runtime::wasi::StdioMode;
using runtime::wasi::WasiConfig;
using runtime::wasi::WasiCtx;

// The functions some test case exercises; EDGECTL_WASI_COVERS adds to it.
inline std::set<std::string>& covered_functions() {
  static std::set<std::string> names;
  return names;
}
inline bool register_covered(std::initializer_list<const char*> names) {
  for (const char* n : names) covered_functions().insert(n);
  return true;
}
#define EDGECTL_WASI_COVERS_CAT2(a, b) a##b
#define EDGECTL_WASI_COVERS_CAT(a, b) EDGECTL_WASI_COVERS_CAT2(a, b)
// Declares, next to its tests, which preview1 functions a test file covers.
#define EDGECTL_WASI_COVERS(...)                                                      \
  [[maybe_unused]] static const bool EDGECTL_WASI_COVERS_CAT(kWasiCovers, __LINE__) = \
      ::edgectl::test::wasi::register_covered({__VA_ARGS__})

// Spec values (typenames.witx).
inline constexpr uint32_t kStdin = 0, kStdout = 1, kStderr = 2, kFirstPreopen = 3;
inline constexpr uint64_t kRightFdDatasync = 1ull << 0, kRightFdRead = 1ull << 1,
                          kRightFdSeek = 1ull << 2, kRightFdFdstatSetFlags = 1ull << 3,
                          kRightFdSync = 1ull << 4, kRightFdTell = 1ull << 5,
                          kRightFdWrite = 1ull << 6, kRightFdAdvise = 1ull << 7,
                          kRightFdAllocate = 1ull << 8, kRightPathCreateDirectory = 1ull << 9,
                          kRightPathCreateFile = 1ull << 10, kRightPathOpen = 1ull << 13,
                          kRightFdReaddir = 1ull << 14, kRightPathFilestatSetSize = 1ull << 19,
                          kRightFdFilestatGet = 1ull << 21, kRightFdFilestatSetSize = 1ull << 22,
                          kRightFdFilestatSetTimes = 1ull << 23, kRightPathUnlinkFile = 1ull << 26,
                          kRightPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kAllRights = (1ull << 30) - 1;
inline constexpr uint32_t kOflagCreat = 1, kOflagDirectory = 2, kOflagExcl = 4, kOflagTrunc = 8;
inline constexpr uint32_t kFdflagAppend = 1, kFdflagNonblock = 4, kFdflagSync = 16;
inline constexpr uint32_t kLookupSymlinkFollow = 1;
inline constexpr uint8_t kFiletypeUnknown = 0, kFiletypeCharacterDevice = 2, kFiletypeDirectory = 3,
                         kFiletypeRegularFile = 4, kFiletypeSymbolicLink = 7;
inline constexpr uint32_t kWhenceSet = 0, kWhenceCur = 1, kWhenceEnd = 2;
inline constexpr uint32_t kClockRealtime = 0, kClockMonotonic = 1, kClockProcessCputime = 2,
                          kClockThreadCputime = 3;
inline constexpr uint32_t kFstflagAtim = 1, kFstflagAtimNow = 2, kFstflagMtim = 4,
                          kFstflagMtimNow = 8;
inline constexpr uint32_t kFdstatSize = 24, kFilestatSize = 64, kDirentSize = 24, kIovecSize = 8,
                          kSubscriptionSize = 48, kEventSize = 32;
// filestat field offsets
inline constexpr uint32_t kFilestatFiletypeOffset = 16, kFilestatNlinkOffset = 24,
                          kFilestatSizeOffset = 32, kFilestatAtimOffset = 40,
                          kFilestatMtimOffset = 48;

inline constexpr uint32_t kGuestMemorySize = 128 * 1024;
inline constexpr uint32_t kHeapStart = 1024;     // below: free for fixed test slots
inline constexpr uint32_t kOut = 16;             // a scratch result slot (8 bytes)
inline constexpr uint32_t kOut2 = 32;            // a second one
inline constexpr uint32_t kBadPtr = 0xFFFFFFF0;  // past the end; +16 wraps around 2^32

// A guest: its memory, its WasiCtx, and helpers to build arguments in that memory.
class Guest {
 public:
  explicit Guest(WasiConfig config, uint32_t memory_size = kGuestMemorySize) : mem(memory_size) {
    auto r = WasiCtx::create(std::move(config));
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    ctx = std::move(r).value();
  }
  static WasiConfig buffered() {
    WasiConfig c;
    c.stdin_mode = StdioMode::Buffer;
    c.stdout_mode = StdioMode::Buffer;
    c.stderr_mode = StdioMode::Buffer;
    return c;
  }

  std::vector<uint8_t> mem;
  std::unique_ptr<WasiCtx> ctx;

  CallResult raw(std::string_view name, const std::vector<uint64_t>& args) {
    const auto index = runtime::wasi::find_function(name);
    REQUIRE_MESSAGE(index.has_value(), std::string(name));
    return ctx->call(*index, GuestMemory{mem.data(), mem.size()}, args);
  }
  Errno call(std::string_view name, const std::vector<uint64_t>& args) {
    const CallResult r = raw(name, args);
    REQUIRE_FALSE(r.trap);
    REQUIRE_FALSE(r.exited);
    return static_cast<Errno>(r.errno_value);
  }

  // Bump allocation in guest memory.
  uint32_t alloc(uint32_t size, uint32_t align = 8) {
    next_ = (next_ + align - 1) / align * align;
    const uint32_t p = next_;
    next_ += size;
    REQUIRE(next_ <= mem.size());
    return p;
  }
  uint32_t put(std::string_view bytes) {
    const uint32_t p = alloc(static_cast<uint32_t>(bytes.size()) + 1, 1);
    std::memcpy(mem.data() + p, bytes.data(), bytes.size());
    return p;
  }
  // An iovec array naming each buffer; returns its address.
  uint32_t iovecs(const std::vector<std::pair<uint32_t, uint32_t>>& bufs) {
    const uint32_t p = alloc(static_cast<uint32_t>(bufs.size()) * kIovecSize, 4);
    for (size_t i = 0; i < bufs.size(); ++i) {
      store<uint32_t>(p + i * kIovecSize, bufs[i].first);
      store<uint32_t>(p + i * kIovecSize + 4, bufs[i].second);
    }
    return p;
  }

  template <class T>
  T load(uint32_t ptr) const {
    T v;
    std::memcpy(&v, mem.data() + ptr, sizeof v);
    return v;
  }
  template <class T>
  void store(uint32_t ptr, T v) {
    std::memcpy(mem.data() + ptr, &v, sizeof v);
  }
  std::string text(uint32_t ptr, uint32_t len) const {
    return std::string(mem.begin() + ptr, mem.begin() + ptr + len);
  }

  // --- Common calls -----------------------------------------------------------------------

  Errno write(uint32_t fd, std::string_view data, uint32_t* written = nullptr) {
    const uint32_t iov = iovecs({{put(data), static_cast<uint32_t>(data.size())}});
    const Errno e = call("fd_write", {fd, iov, 1, kOut});
    if (written) *written = load<uint32_t>(kOut);
    return e;
  }
  // Reads up to `max` bytes; REQUIREs success.
  std::string read(uint32_t fd, uint32_t max) {
    const uint32_t buf = alloc(max, 1);
    const uint32_t iov = iovecs({{buf, max}});
    REQUIRE(call("fd_read", {fd, iov, 1, kOut}) == Errno::Success);
    return text(buf, load<uint32_t>(kOut));
  }
  Errno open(uint32_t dirfd, std::string_view path, uint32_t oflags, uint64_t rights,
             uint32_t fdflags, uint32_t* fd, uint32_t lookupflags = kLookupSymlinkFollow) {
    const uint32_t p = put(path);
    const Errno e = call(
        "path_open", {dirfd, lookupflags, p, path.size(), oflags, rights, rights, fdflags, kOut});
    *fd = load<uint32_t>(kOut);
    return e;
  }
  // Opens read-write (creating) and REQUIREs success.
  uint32_t open_rw(uint32_t dirfd, std::string_view path, uint32_t oflags = kOflagCreat,
                   uint32_t fdflags = 0) {
    uint32_t fd = 0;
    REQUIRE(open(dirfd, path, oflags, kAllRights, fdflags, &fd) == Errno::Success);
    return fd;
  }
  // A function taking (fd, path, path_len).
  Errno at(std::string_view name, uint32_t dirfd, std::string_view path) {
    return call(name, {dirfd, put(path), path.size()});
  }
  Errno filestat(uint32_t dirfd, std::string_view path, uint32_t lookupflags, uint32_t* buf) {
    *buf = alloc(kFilestatSize);
    return call("path_filestat_get", {dirfd, lookupflags, put(path), path.size(), *buf});
  }

 private:
  uint32_t next_ = kHeapStart;
};

}  // namespace edgectl::test::wasi
