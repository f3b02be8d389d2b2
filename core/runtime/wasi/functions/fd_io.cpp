// Data through descriptors: fd_read, fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell.
// Stdio follows WasiConfig: Inherit uses the process's real 0/1/2, Buffer reads stdin_data
// and captures output, Null reads nothing and discards writes.
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "runtime/wasi/detail/ctx.hpp"

namespace edgectl::runtime::wasi::detail {
namespace {

namespace rights = abi::rights;

uint64_t total_length(const std::vector<struct iovec>& iovs) {
  uint64_t total = 0;
  for (const auto& v : iovs) total += v.iov_len;
  return total;
}

// Buffer stdin: copies the next unread part of stdin_data into the iovecs.
size_t read_buffered_stdin(Ctx& ctx, FdEntry& e, const std::vector<struct iovec>& iovs) {
  const std::string& data = ctx.config.stdin_data;
  size_t done = 0;
  for (const auto& v : iovs) {
    const size_t n = std::min(v.iov_len, data.size() - e.stdin_offset);
    if (n == 0) break;
    std::memcpy(v.iov_base, data.data() + e.stdin_offset, n);
    e.stdin_offset += n;
    done += n;
  }
  return done;
}

// Inherited stdin: waits for input no longer than the deadline allows. Again when the
// deadline passes first.
Outcome wait_for_host_stdin(const Ctx& ctx) {
  const auto left = time_to_deadline(ctx);
  if (!left) return Errno::Success;
  struct pollfd p {
    STDIN_FILENO, POLLIN, 0
  };
  for (;;) {
    const struct timespec ts = from_nanos(static_cast<uint64_t>(time_to_deadline(ctx)->count()));
    const int r = ::ppoll(&p, 1, &ts, nullptr);
    if (r > 0) return Errno::Success;  // readable, hung up or in error: read() tells which
    if (r < 0 && errno != EINTR) return last_host_error();
    if (r == 0) {
      Outcome o(Errno::Again);
      o.deadline_exceeded = true;
      return o;
    }
  }
}

// Inherited stdout/stderr: write(2) until every byte is out, so a pipe taking part of a
// write does not turn into a short count the guest must handle.
Errno write_all_host(int fd, const std::vector<struct iovec>& iovs, size_t* written) {
  *written = 0;
  for (const auto& v : iovs) {
    const auto* p = static_cast<const uint8_t*>(v.iov_base);
    size_t left = v.iov_len;
    while (left > 0) {
      const ssize_t n = ::write(fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        // Bytes already written are reported; the error shows on the next write.
        return *written > 0 ? Errno::Success : last_host_error();
      }
      p += n;
      left -= static_cast<size_t>(n);
      *written += static_cast<size_t>(n);
    }
  }
  return Errno::Success;
}

// Buffer stdout/stderr: one chunk per call, as the guest wrote it.
void capture_iovecs(Ctx& ctx, FdKind stream, const std::vector<struct iovec>& iovs) {
  if (iovs.size() == 1) {
    ctx.capture(stream, {static_cast<const char*>(iovs[0].iov_base), iovs[0].iov_len});
    return;
  }
  std::string chunk;
  chunk.reserve(total_length(iovs));
  for (const auto& v : iovs) chunk.append(static_cast<const char*>(v.iov_base), v.iov_len);
  if (!chunk.empty()) ctx.capture(stream, chunk);
}

bool may_tell(const FdEntry& e) {
  return (e.rights_base & (rights::kFdTell | rights::kFdSeek)) != 0;
}

}  // namespace

namespace handlers {

Outcome fd_read(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdRead, &e));
  const uint32_t nread_ptr = call.u32(3);
  // Checked before reading: bytes consumed from a stream could not be given back.
  EDGECTL_WASI_TRY(call.mem.check(nread_ptr, sizeof(uint32_t)));
  std::vector<struct iovec> iovs;
  EDGECTL_WASI_TRY(load_iovecs(call.mem, call.u32(1), call.u32(2), &iovs));
  size_t n = 0;
  if (e->is_stdio() && !e->inherits_host()) {
    if (e->stdio == StdioMode::Buffer) n = read_buffered_stdin(ctx, *e, iovs);
  } else {
    if (e->inherits_host()) {
      Outcome waited = wait_for_host_stdin(ctx);
      if (waited.error != Errno::Success) return waited;
    }
    ssize_t r = 0;
    do {
      r = ::readv(e->io_fd(), iovs.data(), static_cast<int>(iovs.size()));
    } while (r < 0 && errno == EINTR);
    if (r < 0) return last_host_error();
    n = static_cast<size_t>(r);
  }
  return call.mem.store(nread_ptr, static_cast<uint32_t>(n));
}

Outcome fd_write(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdWrite, &e));
  const uint32_t nwritten_ptr = call.u32(3);
  EDGECTL_WASI_TRY(call.mem.check(nwritten_ptr, sizeof(uint32_t)));
  std::vector<struct iovec> iovs;
  EDGECTL_WASI_TRY(load_iovecs(call.mem, call.u32(1), call.u32(2), &iovs));
  size_t n = 0;
  if (e->is_stdio() && !e->inherits_host()) {
    // Captured output past the cap is dropped, yet reported written: the guest is not
    // expected to handle a full stdout.
    if (e->stdio == StdioMode::Buffer) capture_iovecs(ctx, e->kind, iovs);
    n = total_length(iovs);
  } else if (e->inherits_host()) {
    EDGECTL_WASI_TRY(write_all_host(e->io_fd(), iovs, &n));
  } else {
    ssize_t r = 0;
    do {
      r = ::writev(e->io_fd(), iovs.data(), static_cast<int>(iovs.size()));
    } while (r < 0 && errno == EINTR);
    if (r < 0) return last_host_error();
    n = static_cast<size_t>(r);
  }
  return call.mem.store(nwritten_ptr, static_cast<uint32_t>(n));
}

Outcome fd_pread(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdRead | rights::kFdSeek, &e));
  const uint64_t offset = call.u64(3);
  const uint32_t nread_ptr = call.u32(4);
  if (offset > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) return Errno::Inval;
  EDGECTL_WASI_TRY(call.mem.check(nread_ptr, sizeof(uint32_t)));
  std::vector<struct iovec> iovs;
  EDGECTL_WASI_TRY(load_iovecs(call.mem, call.u32(1), call.u32(2), &iovs));
  ssize_t r = 0;
  do {
    r = ::preadv(e->io_fd(), iovs.data(), static_cast<int>(iovs.size()),
                 static_cast<off_t>(offset));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return last_host_error();
  return call.mem.store(nread_ptr, static_cast<uint32_t>(r));
}

Outcome fd_pwrite(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), rights::kFdWrite | rights::kFdSeek, &e));
  const uint64_t offset = call.u64(3);
  const uint32_t nwritten_ptr = call.u32(4);
  if (offset > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) return Errno::Inval;
  EDGECTL_WASI_TRY(call.mem.check(nwritten_ptr, sizeof(uint32_t)));
  std::vector<struct iovec> iovs;
  EDGECTL_WASI_TRY(load_iovecs(call.mem, call.u32(1), call.u32(2), &iovs));
  ssize_t r = 0;
  do {
    r = ::pwritev(e->io_fd(), iovs.data(), static_cast<int>(iovs.size()),
                  static_cast<off_t>(offset));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return last_host_error();
  return call.mem.store(nwritten_ptr, static_cast<uint32_t>(r));
}

Outcome fd_seek(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), 0, &e));
  const auto offset = static_cast<int64_t>(call.u64(1));
  const uint32_t whence = call.u32(2);
  const uint32_t result_ptr = call.u32(3);
  // fd_tell's right suffices for a seek that only reports the offset.
  const bool tell_only = whence == abi::kWhenceCur && offset == 0;
  if (tell_only ? !may_tell(*e) : (e->rights_base & rights::kFdSeek) == 0) return Errno::Notcapable;
  int host_whence = SEEK_SET;
  switch (whence) {
    case abi::kWhenceSet:
      host_whence = SEEK_SET;
      break;
    case abi::kWhenceCur:
      host_whence = SEEK_CUR;
      break;
    case abi::kWhenceEnd:
      host_whence = SEEK_END;
      break;
    default:
      return Errno::Inval;
  }
  EDGECTL_WASI_TRY(call.mem.check(result_ptr, sizeof(uint64_t)));
  const off_t pos = ::lseek(e->io_fd(), static_cast<off_t>(offset), host_whence);
  if (pos < 0) return last_host_error();
  return call.mem.store(result_ptr, static_cast<uint64_t>(pos));
}

Outcome fd_tell(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup(call.u32(0), 0, &e));
  if (!may_tell(*e)) return Errno::Notcapable;
  const uint32_t result_ptr = call.u32(1);
  EDGECTL_WASI_TRY(call.mem.check(result_ptr, sizeof(uint64_t)));
  const off_t pos = ::lseek(e->io_fd(), 0, SEEK_CUR);
  if (pos < 0) return last_host_error();
  return call.mem.store(result_ptr, static_cast<uint64_t>(pos));
}

}  // namespace handlers
}  // namespace edgectl::runtime::wasi::detail
