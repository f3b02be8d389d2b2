// Helpers shared by the function groups: guest memory strings, iovecs, stat conversion,
// clocks, and the fd table operations of WasiCtx::Impl.
#include "runtime/wasi/detail/ctx.hpp"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace edgectl::runtime::wasi::detail {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  // A close error here has nobody to report to; fd_close closes explicitly and reports.
  if (fd_ >= 0) ::close(fd_);
}

Errno Memory::string(uint32_t ptr, uint32_t len, std::string* out) const {
  EDGECTL_WASI_TRY(check(ptr, len));
  out->assign(reinterpret_cast<const char*>(base_ + ptr), len);
  if (out->find('\0') != std::string::npos) return Errno::Inval;
  return Errno::Success;
}

int FdEntry::io_fd() const {
  if (inherits_host()) {
    switch (kind) {
      case FdKind::Stdin:
        return STDIN_FILENO;
      case FdKind::Stdout:
        return STDOUT_FILENO;
      case FdKind::Stderr:
        return STDERR_FILENO;
      case FdKind::File:
      case FdKind::Directory:
        break;
    }
  }
  return host.get();
}

Errno last_host_error() {
  return from_host_errno(errno);
}

abi::Filetype filetype_of(mode_t st_mode) {
  switch (st_mode & S_IFMT) {
    case S_IFREG:
      return abi::Filetype::RegularFile;
    case S_IFDIR:
      return abi::Filetype::Directory;
    case S_IFLNK:
      return abi::Filetype::SymbolicLink;
    case S_IFCHR:
      return abi::Filetype::CharacterDevice;
    case S_IFBLK:
      return abi::Filetype::BlockDevice;
    case S_IFSOCK:
      return abi::Filetype::SocketStream;
    default:
      return abi::Filetype::Unknown;  // FIFOs have no WASI file type
  }
}

uint64_t to_nanos(const struct timespec& ts) {
  if (ts.tv_sec < 0) return 0;
  const auto secs = static_cast<uint64_t>(ts.tv_sec);
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (secs > (kMax - static_cast<uint64_t>(ts.tv_nsec)) / kNanosPerSecond) return kMax;
  return secs * kNanosPerSecond + static_cast<uint64_t>(ts.tv_nsec);
}

struct timespec from_nanos(uint64_t nanos) {
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(nanos / kNanosPerSecond);
  ts.tv_nsec = static_cast<long>(nanos % kNanosPerSecond);
  return ts;
}

std::optional<clockid_t> host_clock(uint32_t id) {
  switch (id) {
    case abi::kClockRealtime:
      return CLOCK_REALTIME;
    case abi::kClockMonotonic:
      return CLOCK_MONOTONIC;
    case abi::kClockProcessCputime:
      return CLOCK_PROCESS_CPUTIME_ID;
    case abi::kClockThreadCputime:
      return CLOCK_THREAD_CPUTIME_ID;
    default:
      return std::nullopt;
  }
}

Filestat filestat_of(const struct stat& st) {
  Filestat f;
  f.dev = static_cast<uint64_t>(st.st_dev);
  f.ino = static_cast<uint64_t>(st.st_ino);
  f.filetype = filetype_of(st.st_mode);
  f.nlink = static_cast<uint64_t>(st.st_nlink);
  f.size = st.st_size < 0 ? 0 : static_cast<uint64_t>(st.st_size);
  f.atim = to_nanos(st.st_atim);
  f.mtim = to_nanos(st.st_mtim);
  f.ctim = to_nanos(st.st_ctim);
  return f;
}

Errno entry_filestat(const FdEntry& entry, Filestat* out) {
  if (entry.is_stdio() && !entry.inherits_host()) {
    // An in-memory stream: only its type is known.
    *out = Filestat{};
    out->filetype = entry.filetype;
    return Errno::Success;
  }
  struct stat st {};
  if (::fstat(entry.io_fd(), &st) != 0) return last_host_error();
  *out = filestat_of(st);
  return Errno::Success;
}

Errno store_filestat(const Memory& mem, uint32_t ptr, const Filestat& stat) {
  Record<abi::kFilestatSize> r;
  r.put(abi::kFilestatDevOffset, stat.dev);
  r.put(abi::kFilestatInoOffset, stat.ino);
  r.put(abi::kFilestatFiletypeOffset, static_cast<uint8_t>(stat.filetype));
  r.put(abi::kFilestatNlinkOffset, stat.nlink);
  r.put(abi::kFilestatSizeOffset, stat.size);
  r.put(abi::kFilestatAtimOffset, stat.atim);
  r.put(abi::kFilestatMtimOffset, stat.mtim);
  r.put(abi::kFilestatCtimOffset, stat.ctim);
  return mem.write(ptr, r.bytes);
}

Errno utimens_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags, struct timespec out[2]) {
  if ((fst_flags & ~uint32_t{abi::kFstflagsAll}) != 0) return Errno::Inval;
  auto pick = [](uint64_t value, bool set, bool now, struct timespec* ts) {
    if (set && now) return Errno::Inval;
    if (set) {
      *ts = from_nanos(value);
    } else {
      *ts = {};
      ts->tv_nsec = now ? UTIME_NOW : UTIME_OMIT;
    }
    return Errno::Success;
  };
  EDGECTL_WASI_TRY(
      pick(atim, fst_flags & abi::kFstflagAtim, fst_flags & abi::kFstflagAtimNow, &out[0]));
  EDGECTL_WASI_TRY(
      pick(mtim, fst_flags & abi::kFstflagMtim, fst_flags & abi::kFstflagMtimNow, &out[1]));
  return Errno::Success;
}

Errno load_iovecs(const Memory& mem, uint32_t iovs, uint32_t count,
                  std::vector<struct iovec>* out) {
  EDGECTL_WASI_TRY(mem.check(iovs, uint64_t{count} * abi::kIovecSize));
  out->clear();
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t entry = iovs + i * abi::kIovecSize;  // inside memory: checked above
    uint32_t buf = 0;
    uint32_t len = 0;
    EDGECTL_WASI_TRY(mem.load(entry + abi::kIovecBufOffset, &buf));
    EDGECTL_WASI_TRY(mem.load(entry + abi::kIovecBufLenOffset, &len));
    EDGECTL_WASI_TRY(mem.check(buf, len));
    if (len == 0 || out->size() >= IOV_MAX || total >= kMaxIoBytesPerCall) continue;
    const uint64_t take = std::min<uint64_t>(len, kMaxIoBytesPerCall - total);
    out->push_back({mem.at(buf), static_cast<size_t>(take)});
    total += take;
  }
  return Errno::Success;
}

std::optional<std::chrono::nanoseconds> time_to_deadline(const Ctx& ctx) {
  if (!ctx.deadline) return std::nullopt;
  auto left = *ctx.deadline - Ctx::Clock::now();
  if (left < Ctx::Clock::duration::zero()) left = Ctx::Clock::duration::zero();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(left);
}

}  // namespace edgectl::runtime::wasi::detail

namespace edgectl::runtime::wasi {

using detail::FdEntry;
using detail::FdKind;

Errno WasiCtx::Impl::lookup(uint32_t fd, uint64_t required, FdEntry** out) {
  if (fd >= fds.size() || !fds[fd]) return Errno::Badf;
  if ((fds[fd]->rights_base & required) != required) return Errno::Notcapable;
  *out = fds[fd].get();
  return Errno::Success;
}

Errno WasiCtx::Impl::lookup_dir(uint32_t fd, uint64_t required, FdEntry** out) {
  if (fd >= fds.size() || !fds[fd]) return Errno::Badf;
  if (fds[fd]->kind != FdKind::Directory) return Errno::Notdir;
  return lookup(fd, required, out);
}

Errno WasiCtx::Impl::insert(std::unique_ptr<FdEntry> entry, uint32_t* fd) {
  auto free_slot = std::find(fds.begin(), fds.end(), nullptr);
  if (free_slot == fds.end()) {
    if (fds.size() >= detail::kMaxOpenFds) return Errno::Mfile;
    free_slot = fds.insert(fds.end(), nullptr);
  }
  *free_slot = std::move(entry);
  *fd = static_cast<uint32_t>(free_slot - fds.begin());
  return Errno::Success;
}

void WasiCtx::Impl::capture(FdKind stream, std::string_view chunk) {
  const bool is_stdout = stream == FdKind::Stdout;
  std::string& sink = captured[is_stdout ? 0 : 1];
  const size_t room =
      config.max_captured_output - std::min(sink.size(), config.max_captured_output);
  sink.append(chunk.substr(0, room));
  if (chunk.size() > room) truncated = true;
  if (config.on_output) config.on_output(is_stdout ? STDOUT_FILENO : STDERR_FILENO, chunk);
}

}  // namespace edgectl::runtime::wasi
