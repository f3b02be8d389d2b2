#pragma once
// WasiCtx's internals, shared by wasi_ctx.cpp and the function groups in functions/: the
// bounds-checked view of guest memory, the fd table, and one handler declaration per entry of
// preview1.def. Nothing outside core/runtime/wasi includes this.
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/wasi/detail/abi.hpp"
#include "runtime/wasi/wasi.hpp"

// Loads and stores copy host integers byte for byte; wasm memory is little-endian.
static_assert(std::endian::native == std::endian::little,
              "WASI memory access assumes a little-endian host");

// Returns from the enclosing handler when `expr` (an Errno) is not Success: the `?` of this code.
#define EDGECTL_WASI_TRY(expr)                                       \
  do {                                                               \
    if (::edgectl::runtime::wasi::Errno wasi_try_err_ = (expr);      \
        wasi_try_err_ != ::edgectl::runtime::wasi::Errno::Success) { \
      return wasi_try_err_;                                          \
    }                                                                \
  } while (0)

namespace edgectl::runtime::wasi::detail {

// Each guest fd is a host fd; this bounds what one instance can hold open (stdio included).
inline constexpr uint32_t kMaxOpenFds = 256;
// fd_read/fd_write move at most this much per call (a short count the guest loops on), so
// overlapping iovecs cannot make one call copy gigabytes into captured output.
inline constexpr uint64_t kMaxIoBytesPerCall = 64ull << 20;
// Guest paths longer than the host's PATH_MAX cannot name anything; refuse before copying.
inline constexpr uint32_t kMaxPathBytes = 4096;
inline constexpr uint64_t kNanosPerSecond = 1'000'000'000;

// Owns a host file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// The guest's linear memory for one call. Every access is checked first: a range is inside
// when ptr + len <= size, computed in 64 bits so a range cannot wrap past 2^32 back into
// bounds. Loads and stores go through memcpy, so unaligned guest pointers are fine.
class Memory {
 public:
  explicit Memory(GuestMemory m) : base_(m.base), size_(m.base ? m.size : 0) {}

  bool contains(uint64_t ptr, uint64_t len) const { return len <= size_ && ptr <= size_ - len; }
  Errno check(uint64_t ptr, uint64_t len) const {
    return contains(ptr, len) ? Errno::Success : Errno::Fault;
  }
  // The host address of a guest pointer; only after check() said the range is inside.
  uint8_t* at(uint32_t ptr) const { return base_ + ptr; }

  template <class T>
  Errno load(uint32_t ptr, T* out) const {
    EDGECTL_WASI_TRY(check(ptr, sizeof(T)));
    std::memcpy(out, base_ + ptr, sizeof(T));
    return Errno::Success;
  }
  template <class T>
  Errno store(uint32_t ptr, T value) const {
    EDGECTL_WASI_TRY(check(ptr, sizeof(T)));
    std::memcpy(base_ + ptr, &value, sizeof(T));
    return Errno::Success;
  }
  Errno write(uint32_t ptr, std::span<const uint8_t> bytes) const {
    EDGECTL_WASI_TRY(check(ptr, bytes.size()));
    if (!bytes.empty()) std::memcpy(base_ + ptr, bytes.data(), bytes.size());
    return Errno::Success;
  }
  // The bytes of a guest string (not NUL-terminated); Inval when it holds a NUL, which no
  // host path or name can contain.
  Errno string(uint32_t ptr, uint32_t len, std::string* out) const;

 private:
  uint8_t* base_;
  uint64_t size_;
};

// A spec struct assembled on the host, zero-filled so padding never leaks host bytes, then
// copied to the guest in one checked write.
template <uint32_t Size>
struct Record {
  std::array<uint8_t, Size> bytes{};
  template <class T>
  void put(uint32_t offset, T value) {
    static_assert(sizeof(T) <= Size);
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
  }
  template <class T>
  T get(uint32_t offset) const {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
  }
};

// The raw arguments of one call; the dispatcher has checked their count against the table.
struct HostCall {
  Memory mem;
  std::span<const uint64_t> args;
  uint32_t u32(size_t i) const { return static_cast<uint32_t>(args[i]); }
  uint64_t u64(size_t i) const { return args[i]; }
};

// What a handler returns: an errno (implicitly), or an exit, or a stop at the deadline.
struct Outcome {
  Outcome(Errno e) : error(e) {}  // NOLINT(google-explicit-constructor): the common case
  Errno error = Errno::Success;
  std::optional<uint32_t> exit_code;
  bool deadline_exceeded = false;
};

enum class FdKind : uint8_t { Stdin, Stdout, Stderr, File, Directory };

struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  abi::Filetype type = abi::Filetype::Unknown;
};

struct FdEntry {
  FdKind kind = FdKind::File;
  StdioMode stdio = StdioMode::Null;  // the three stdio kinds only
  UniqueFd host;                      // File and Directory
  abi::Filetype filetype = abi::Filetype::Unknown;
  uint16_t fdflags = 0;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  std::optional<std::string> preopen_name;  // set for preopened directories
  size_t stdin_offset = 0;                  // Buffer stdin: bytes of stdin_data already read
  // fd_readdir's snapshot of the directory, taken when a call asks for cookie 0; cookie N
  // means "from listing[N]", so positions stay stable while the guest pages through.
  std::vector<DirEntry> listing;
  bool listing_valid = false;

  bool is_stdio() const {
    return kind == FdKind::Stdin || kind == FdKind::Stdout || kind == FdKind::Stderr;
  }
  bool inherits_host() const { return is_stdio() && stdio == StdioMode::Inherit; }
  // The host descriptor for I/O: the process's own 0/1/2 for inherited stdio.
  int io_fd() const;
};

}  // namespace edgectl::runtime::wasi::detail

namespace edgectl::runtime::wasi {

struct WasiCtx::Impl {
  using Clock = std::chrono::steady_clock;

  WasiConfig config;
  std::vector<std::string> environ;                   // config.env as "KEY=VALUE"
  std::vector<std::unique_ptr<detail::FdEntry>> fds;  // indexed by guest fd; null = free
  std::array<std::string, 2> captured;                // Buffer stdout, stderr
  bool truncated = false;
  std::optional<Clock::time_point> deadline;

  // Badf when fd is not open, Notcapable when it lacks a right in `required`.
  Errno lookup(uint32_t fd, uint64_t required, detail::FdEntry** out);
  // As lookup, and Notdir unless fd is a directory.
  Errno lookup_dir(uint32_t fd, uint64_t required, detail::FdEntry** out);
  // Places an entry at the lowest free fd; Mfile when kMaxOpenFds are open.
  Errno insert(std::unique_ptr<detail::FdEntry> entry, uint32_t* fd);
  // Appends guest output to a Buffer stream (capped) and hands it to on_output.
  void capture(detail::FdKind stream, std::string_view chunk);
};

}  // namespace edgectl::runtime::wasi

namespace edgectl::runtime::wasi::detail {

using Ctx = WasiCtx::Impl;

// Shared by the function groups.
Errno last_host_error();  // from_host_errno(errno)

abi::Filetype filetype_of(mode_t st_mode);
uint64_t to_nanos(const struct timespec& ts);  // saturating; times before 1970 become 0
struct timespec from_nanos(uint64_t nanos);
// The host clock behind a WASI clockid; nullopt for an id the spec does not define.
std::optional<clockid_t> host_clock(uint32_t id);

// filestat's fields, before they are laid out in guest memory.
struct Filestat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  abi::Filetype filetype = abi::Filetype::Unknown;
  uint64_t nlink = 0;
  uint64_t size = 0;
  uint64_t atim = 0;
  uint64_t mtim = 0;
  uint64_t ctim = 0;
};
Filestat filestat_of(const struct stat& st);
// What fd_filestat_get reports, including for Buffer/Null stdio, which has no host fd.
Errno entry_filestat(const FdEntry& entry, Filestat* out);
Errno store_filestat(const Memory& mem, uint32_t ptr, const Filestat& stat);

// The timespec pair utimensat/futimens take, from the arguments of *_filestat_set_times:
// Inval for unknown flags or a time both given and "now".
Errno utimens_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags, struct timespec out[2]);

// Checks an iovec array and every buffer it names (Fault if any is outside memory). The host
// iovecs point into guest memory: at most IOV_MAX of them and kMaxIoBytesPerCall bytes in
// all, which makes a large request a short transfer, as POSIX allows.
Errno load_iovecs(const Memory& mem, uint32_t iovs, uint32_t count, std::vector<struct iovec>* out);

// The time left until the ctx deadline, if one is set (zero once it has passed).
std::optional<std::chrono::nanoseconds> time_to_deadline(const Ctx& ctx);

// One handler per preview1 function, named as the function is.
namespace handlers {
#define EDGECTL_WASI_FUNC(name, results, params) Outcome name(Ctx& ctx, const HostCall& call);
#include "runtime/wasi/preview1.def"
}  // namespace handlers

}  // namespace edgectl::runtime::wasi::detail
