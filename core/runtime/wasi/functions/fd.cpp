// The fd_* functions about a descriptor rather than its data: advise, allocate, close, sync,
// fdstat, filestat, prestat, renumber.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include "runtime/wasi/detail/ctx.hpp"

namespace edgectl::runtime::wasi::detail {
namespace {

namespace rights = abi::rights;

// Host file offsets and sizes are signed 64-bit; larger WASI filesizes name nothing.
bool fits_off_t(uint64_t value) {
  return value <= static_cast<uint64_t>(std::numeric_limits<off_t>::max());
}

// posix_fadvise and posix_fallocate return the error instead of setting errno.
Errno from_result(int result) {
  return from_host_errno(result);
}

std::optional<int> host_advice(uint32_t advice) {
  switch (advice) {
    case abi::kAdviceNormal:
      return POSIX_FADV_NORMAL;
    case abi::kAdviceSequential:
      return POSIX_FADV_SEQUENTIAL;
    case abi::kAdviceRandom:
      return POSIX_FADV_RANDOM;
    case abi::kAdviceWillneed:
      return POSIX_FADV_WILLNEED;
    case abi::kAdviceDontneed:
      return POSIX_FADV_DONTNEED;
    case abi::kAdviceNoreuse:
      return POSIX_FADV_NOREUSE;
    default:
      return std::nullopt;
  }
}

constexpr uint16_t kSyncFdflags = abi::kFdflagDsync | abi::kFdflagRsync | abi::kFdflagSync;

}  // namespace

namespace handlers {

Outcome fd_advise(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdAdvise, &e));
  const uint64_t offset = call.u64(1);
  const uint64_t len = call.u64(2);
  const auto advice = host_advice(call.u32(3));
  if (!advice || !fits_off_t(offset) || !fits_off_t(len)) return Errno::Inval;
  return from_result(
      ::posix_fadvise(e->io_fd(), static_cast<off_t>(offset), static_cast<off_t>(len), *advice));
}

Outcome fd_allocate(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdAllocate, &e));
  const uint64_t offset = call.u64(1);
  const uint64_t len = call.u64(2);
  if (!fits_off_t(offset) || !fits_off_t(len)) return Errno::Inval;
  if (!fits_off_t(offset + len)) return Errno::Fbig;
  return from_result(
      ::posix_fallocate(e->io_fd(), static_cast<off_t>(offset), static_cast<off_t>(len)));
}

Outcome fd_close(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  const uint32_t fd = call.u32(0);
  EDGECTL_WASI_TRY(ctx.lookup(fd, 0, &e));
  // Inherited stdio is the host's own 0/1/2: the guest only drops its entry.
  const int host_fd = e->host.release();
  ctx.fds[fd].reset();
  // Linux releases the descriptor even when close fails; EINTR is not worth reporting.
  if (host_fd >= 0 && ::close(host_fd) != 0 && errno != EINTR) return last_host_error();
  return Errno::Success;
}

Outcome fd_datasync(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdDatasync, &e));
  return ::fdatasync(e->io_fd()) == 0 ? Errno::Success : last_host_error();
}

Outcome fd_sync(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdSync, &e));
  return ::fsync(e->io_fd()) == 0 ? Errno::Success : last_host_error();
}

Outcome fd_fdstat_get(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), 0, &e));
  Record<abi::kFdstatSize> r;
  r.put(abi::kFdstatFiletypeOffset, static_cast<uint8_t>(e->filetype));
  r.put(abi::kFdstatFlagsOffset, e->fdflags);
  r.put(abi::kFdstatRightsBaseOffset, e->rights_base);
  r.put(abi::kFdstatRightsInheritingOffset, e->rights_inheriting);
  return call.mem.write(call.u32(1), r.bytes);
}

Outcome fd_fdstat_set_flags(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdFdstatSetFlags, &e));
  const uint32_t requested = call.u32(1);
  if ((requested & ~uint32_t{abi::kFdflagsAll}) != 0) return Errno::Inval;
  const auto flags = static_cast<uint16_t>(requested);
  if (e->host.valid()) {
    // Linux cannot change the sync flags of an open file, only APPEND and NONBLOCK.
    if ((flags & kSyncFdflags) != (e->fdflags & kSyncFdflags)) return Errno::Notsup;
    const int current = ::fcntl(e->host.get(), F_GETFL);
    if (current < 0) return last_host_error();
    int wanted = current & ~(O_APPEND | O_NONBLOCK);
    if (flags & abi::kFdflagAppend) wanted |= O_APPEND;
    if (flags & abi::kFdflagNonblock) wanted |= O_NONBLOCK;
    if (::fcntl(e->host.get(), F_SETFL, wanted) != 0) return last_host_error();
  }
  // Stdio keeps the flags as a record only: changing the host's own 0/1/2 would affect
  // the whole process, and in-memory streams never block.
  e->fdflags = flags;
  return Errno::Success;
}

Outcome fd_fdstat_set_rights(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), 0, &e));
  const uint64_t base = call.u64(1);
  const uint64_t inheriting = call.u64(2);
  // Rights can only be dropped.
  if ((base & ~e->rights_base) != 0 || (inheriting & ~e->rights_inheriting) != 0)
    return Errno::Notcapable;
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  return Errno::Success;
}

Outcome fd_filestat_get(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdFilestatGet, &e));
  const uint32_t buf = call.u32(1);
  EDGECTL_WASI_TRY(call.mem.check(buf, abi::kFilestatSize));
  Filestat stat;
  EDGECTL_WASI_TRY(entry_filestat(*e, &stat));
  return store_filestat(call.mem, buf, stat);
}

Outcome fd_filestat_set_size(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdFilestatSetSize, &e));
  const uint64_t size = call.u64(1);
  if (!fits_off_t(size)) return Errno::Fbig;
  return ::ftruncate(e->io_fd(), static_cast<off_t>(size)) == 0 ? Errno::Success
                                                                : last_host_error();
}

Outcome fd_filestat_set_times(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdFilestatSetTimes, &e));
  struct timespec times[2];
  EDGECTL_WASI_TRY(utimens_times(call.u64(1), call.u64(2), call.u32(3), times));
  return ::futimens(e->io_fd(), times) == 0 ? Errno::Success : last_host_error();
}

Outcome fd_prestat_get(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), 0, &e));
  // Only preopens have a prestat; wasi-libc walks fds from 3 until it sees Badf.
  if (!e->preopen_name) return Errno::Badf;
  Record<abi::kPrestatSize> r;
  r.put(abi::kPrestatTagOffset, abi::kPreopentypeDir);
  r.put(abi::kPrestatDirNameLenOffset, static_cast<uint32_t>(e->preopen_name->size()));
  return call.mem.write(call.u32(1), r.bytes);
}

Outcome fd_prestat_dir_name(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), 0, &e));
  if (!e->preopen_name) return Errno::Badf;
  const uint32_t buf = call.u32(1);
  const uint32_t len = call.u32(2);
  EDGECTL_WASI_TRY(call.mem.check(buf, len));
  const std::string& name = *e->preopen_name;
  if (len < name.size()) return Errno::Nametoolong;
  // The name is written without a NUL, as pr_name_len counts it.
  return call.mem.write(buf, {reinterpret_cast<const uint8_t*>(name.data()), name.size()});
}

Outcome fd_renumber(Ctx& ctx, const HostCall& call) {
  const uint32_t from = call.u32(0);
  const uint32_t to = call.u32(1);
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(from, 0, &e));
  EDGECTL_WASI_TRY(ctx.lookup(to, 0, &e));
  if (from == to) return Errno::Success;
  // The entry at `to` is closed (its UniqueFd, if any, goes with it).
  ctx.fds[to] = std::move(ctx.fds[from]);
  return Errno::Success;
}

}  // namespace handlers
}  // namespace edgectl::runtime::wasi::detail
