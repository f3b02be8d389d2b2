// The path_* functions. Every guest path is resolved by the kernel beneath its directory fd
// with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): "..", absolute paths and symlinks
// that would leave the tree fail with EXDEV (Notcapable), whatever the depth or the chain.
// Calls acting on a last component (mkdirat, unlinkat, renameat, linkat, symlinkat,
// readlinkat) first open the parent beneath the fd that way, then name only the last
// component, which these calls never follow out of the parent. Calls that follow a final
// symlink (stat, set_times) open the whole path beneath instead and act on that fd.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/wasi/detail/ctx.hpp"

namespace edgectl::runtime::wasi::detail {
namespace {

namespace rights = abi::rights;

// openat2 says EAGAIN when a concurrent rename or mount raced a RESOLVE_BENEATH lookup and
// asks the caller to retry; a few attempts, then the guest sees Again.
constexpr int kMaxOpenat2Attempts = 8;
// New files get 0666 and folders 0777, less the process umask, as with open(2) and mkdir(2).
constexpr mode_t kNewFileMode = 0666;
constexpr mode_t kNewDirMode = 0777;

Errno open_beneath(int dir_fd, const std::string& path, int flags, mode_t mode, UniqueFd* out) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;  // openat2 refuses a mode without O_CREAT
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 1;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
    if (fd >= 0) {
      *out = UniqueFd(static_cast<int>(fd));
      return Errno::Success;
    }
    if ((errno == EINTR || errno == EAGAIN) && attempt < kMaxOpenat2Attempts) continue;
    return last_host_error();
  }
}

// Reads the guest path whose pointer and length are arguments `index` and `index + 1`.
Errno read_path(const HostCall& call, size_t index, std::string* out) {
  const uint32_t ptr = call.u32(index);
  const uint32_t len = call.u32(index + 1);
  EDGECTL_WASI_TRY(call.mem.check(ptr, len));
  if (len > kMaxPathBytes) return Errno::Nametoolong;
  return call.mem.string(ptr, len, out);
}

bool follows_symlinks(uint32_t lookupflags) {
  return (lookupflags & abi::kLookupSymlinkFollow) != 0;
}

// A path split into the folder holding its last component (opened beneath the dir fd) and
// that component, trailing slashes kept so the kernel still applies their meaning.
struct Parent {
  UniqueFd dir;
  std::string name;
};

// A last component of "." or ".." names no entry that could be created, removed, renamed or
// linked. Such a path is still resolved whole first, so ".." at the preopen's root remains
// an escape (Notcapable); otherwise the call fails with `if_dot`, POSIX's error for it.
Errno open_parent(int dir_fd, const std::string& path, Errno if_dot, Parent* out) {
  if (path.empty()) return Errno::Noent;
  if (path.front() == '/') return Errno::Notcapable;
  const size_t last = path.find_last_not_of('/');  // exists: path does not start with '/'
  const size_t slash = path.rfind('/', last);
  const size_t start = slash == std::string::npos ? 0 : slash + 1;
  const std::string base = path.substr(start, last + 1 - start);
  if (base == "." || base == "..") {
    UniqueFd whole;
    EDGECTL_WASI_TRY(open_beneath(dir_fd, path, O_PATH, 0, &whole));
    return if_dot;
  }
  out->name = path.substr(start);
  const std::string parent = slash == std::string::npos ? "." : path.substr(0, start);
  // O_PATH: the parent only anchors *at() calls, so a folder without read permission works.
  return open_beneath(dir_fd, parent, O_PATH | O_DIRECTORY, 0, &out->dir);
}

Errno result_of(int rc) {
  return rc == 0 ? Errno::Success : last_host_error();
}

// O_* flags for path_open's oflags and fdflags.
int host_open_flags(uint32_t oflags, uint32_t fdflags) {
  int flags = 0;
  if (oflags & abi::kOflagCreat) flags |= O_CREAT;
  if (oflags & abi::kOflagDirectory) flags |= O_DIRECTORY;
  if (oflags & abi::kOflagExcl) flags |= O_EXCL;
  if (oflags & abi::kOflagTrunc) flags |= O_TRUNC;
  if (fdflags & abi::kFdflagAppend) flags |= O_APPEND;
  if (fdflags & abi::kFdflagDsync) flags |= O_DSYNC;
  if (fdflags & abi::kFdflagSync) flags |= O_SYNC;
  if (fdflags & abi::kFdflagRsync) flags |= O_RSYNC;
  if (fdflags & abi::kFdflagNonblock) flags |= O_NONBLOCK;
  return flags;
}

}  // namespace

namespace handlers {

Outcome path_open(Ctx& ctx, const HostCall& call) {
  FdEntry* dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathOpen, &dir));
  const uint32_t lookupflags = call.u32(1);
  const uint32_t oflags = call.u32(4);
  const uint64_t requested_base = call.u64(5);
  const uint64_t requested_inheriting = call.u64(6);
  const uint32_t fdflags = call.u32(7);
  const uint32_t fd_ptr = call.u32(8);
  std::string path;
  EDGECTL_WASI_TRY(read_path(call, 2, &path));
  // Checked before opening, so a bad pointer cannot leave an fd behind.
  EDGECTL_WASI_TRY(call.mem.check(fd_ptr, sizeof(uint32_t)));
  if ((oflags & ~uint32_t{abi::kOflagsAll}) != 0 || (fdflags & ~uint32_t{abi::kFdflagsAll}) != 0) {
    return Errno::Inval;
  }

  // The rights that decide what the directory allows.
  uint64_t needed = 0;
  if (oflags & abi::kOflagCreat) needed |= rights::kPathCreateFile;
  if (oflags & abi::kOflagTrunc) needed |= rights::kPathFilestatSetSize;
  if ((dir->rights_base & needed) != needed) return Errno::Notcapable;
  // Other rights beyond the directory's inheriting ones are dropped (the spec allows fewer);
  // asking for write access it cannot grant is refused. With O_DIRECTORY, write access does
  // not apply (a folder is changed through path_* calls) and the folder opens read-only.
  const bool directory = (oflags & abi::kOflagDirectory) != 0;
  const uint64_t write_access = directory ? 0 : requested_base & rights::kFileWriteAccess;
  if ((write_access & ~dir->rights_inheriting) != 0) return Errno::Notcapable;
  const bool want_write = write_access != 0;

  // Opened non-blocking so a FIFO cannot hang the host thread; cleared below if unwanted.
  int flags = host_open_flags(oflags, fdflags) | O_NOCTTY | O_NONBLOCK;
  flags |= want_write
               ? ((requested_base & (rights::kFdRead | rights::kFdReaddir)) ? O_RDWR : O_WRONLY)
               : O_RDONLY;
  if (!follows_symlinks(lookupflags)) flags |= O_NOFOLLOW;
  UniqueFd file;
  EDGECTL_WASI_TRY(open_beneath(dir->host.get(), path, flags, kNewFileMode, &file));

  struct stat st {};
  if (::fstat(file.get(), &st) != 0) return last_host_error();
  const bool is_dir = S_ISDIR(st.st_mode);
  if (!is_dir && !S_ISREG(st.st_mode)) return Errno::Notsup;
  if (!(fdflags & abi::kFdflagNonblock)) {
    const int status = ::fcntl(file.get(), F_GETFL);
    if (status < 0 || ::fcntl(file.get(), F_SETFL, status & ~O_NONBLOCK) != 0)
      return last_host_error();
  }

  auto entry = std::make_unique<FdEntry>();
  entry->kind = is_dir ? FdKind::Directory : FdKind::File;
  entry->host = std::move(file);
  entry->filetype = filetype_of(st.st_mode);
  entry->fdflags = static_cast<uint16_t>(fdflags);
  const uint64_t applicable =
      is_dir ? (rights::kDirRead | rights::kDirWrite) : (rights::kFileRead | rights::kFileWrite);
  entry->rights_base = requested_base & dir->rights_inheriting & applicable;
  entry->rights_inheriting = requested_inheriting & dir->rights_inheriting;
  uint32_t fd = 0;
  EDGECTL_WASI_TRY(ctx.insert(std::move(entry), &fd));
  return call.mem.store(fd_ptr, fd);
}

Outcome path_create_directory(Ctx& ctx, const HostCall& call) {
  FdEntry* dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathCreateDirectory, &dir));
  std::string path;
  EDGECTL_WASI_TRY(read_path(call, 1, &path));
  Parent p;
  EDGECTL_WASI_TRY(open_parent(dir->host.get(), path, Errno::Exist, &p));
  return result_of(::mkdirat(p.dir.get(), p.name.c_str(), kNewDirMode));
}

Outcome path_remove_directory(Ctx& ctx, const HostCall& call) {
  FdEntry* dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathRemoveDirectory, &dir));
  std::string path;
  EDGECTL_WASI_TRY(read_path(call, 1, &path));
  Parent p;
  EDGECTL_WASI_TRY(open_parent(dir->host.get(), path, Errno::Inval, &p));
  return result_of(::unlinkat(p.dir.get(), p.name.c_str(), AT_REMOVEDIR));
}

Outcome path_unlink_file(Ctx& ctx, const HostCall& call) {
  FdEntry* dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathUnlinkFile, &dir));
  std::string path;
  EDGECTL_WASI_TRY(read_path(call, 1, &path));
  Parent p;
  EDGECTL_WASI_TRY(open_parent(dir->host.get(), path, Errno::Isdir, &p));
  // Linux answers EISDIR for a folder, as the spec asks.
  return result_of(::unlinkat(p.dir.get(), p.name.c_str(), 0));
}

Outcome path_rename(Ctx& ctx, const HostCall& call) {
  FdEntry* old_dir = nullptr;
  FdEntry* new_dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathRenameSource, &old_dir));
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(3), rights::kPathRenameTarget, &new_dir));
  std::string old_path;
  std::string new_path;
  EDGECTL_WASI_TRY(read_path(call, 1, &old_path));
  EDGECTL_WASI_TRY(read_path(call, 4, &new_path));
  Parent from;
  Parent to;
  EDGECTL_WASI_TRY(open_parent(old_dir->host.get(), old_path, Errno::Inval, &from));
  EDGECTL_WASI_TRY(open_parent(new_dir->host.get(), new_path, Errno::Inval, &to));
  return result_of(::renameat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str()));
}

Outcome path_link(Ctx& ctx, const HostCall& call) {
  FdEntry* old_dir = nullptr;
  FdEntry* new_dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathLinkSource, &old_dir));
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(4), rights::kPathLinkTarget, &new_dir));
  // linkat(AT_SYMLINK_FOLLOW) would follow a final symlink without RESOLVE_BENEATH's checks,
  // so it could hard-link a file from outside the preopen; refused, as wasmtime does.
  if (follows_symlinks(call.u32(1))) return Errno::Inval;
  std::string old_path;
  std::string new_path;
  EDGECTL_WASI_TRY(read_path(call, 2, &old_path));
  EDGECTL_WASI_TRY(read_path(call, 5, &new_path));
  Parent from;
  Parent to;
  EDGECTL_WASI_TRY(open_parent(old_dir->host.get(), old_path, Errno::Perm, &from));
  EDGECTL_WASI_TRY(open_parent(new_dir->host.get(), new_path, Errno::Exist, &to));
  return result_of(::linkat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str(), 0));
}

Outcome path_symlink(Ctx& ctx, const HostCall& call) {
  FdEntry* dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(2), rights::kPathSymlink, &dir));
  // The target is stored as given: every later lookup through the link is beneath-checked.
  std::string target;
  std::string path;
  EDGECTL_WASI_TRY(read_path(call, 0, &target));
  EDGECTL_WASI_TRY(read_path(call, 3, &path));
  Parent p;
  EDGECTL_WASI_TRY(open_parent(dir->host.get(), path, Errno::Exist, &p));
  return result_of(::symlinkat(target.c_str(), p.dir.get(), p.name.c_str()));
}

Outcome path_readlink(Ctx& ctx, const HostCall& call) {
  FdEntry* dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathReadlink, &dir));
  const uint32_t buf = call.u32(3);
  const uint32_t buf_len = call.u32(4);
  const uint32_t bufused_ptr = call.u32(5);
  std::string path;
  EDGECTL_WASI_TRY(read_path(call, 1, &path));
  EDGECTL_WASI_TRY(call.mem.check(buf, buf_len));
  EDGECTL_WASI_TRY(call.mem.check(bufused_ptr, sizeof(uint32_t)));
  Parent p;
  EDGECTL_WASI_TRY(open_parent(dir->host.get(), path, Errno::Inval, &p));
  std::string target(kMaxPathBytes, '\0');
  const ssize_t n = ::readlinkat(p.dir.get(), p.name.c_str(), target.data(), target.size());
  if (n < 0) return last_host_error();
  // Like readlink(2), a target longer than the buffer is cut to fit.
  const uint32_t copied = std::min(static_cast<uint32_t>(n), buf_len);
  EDGECTL_WASI_TRY(call.mem.write(buf, {reinterpret_cast<const uint8_t*>(target.data()), copied}));
  return call.mem.store(bufused_ptr, copied);
}

Outcome path_filestat_get(Ctx& ctx, const HostCall& call) {
  FdEntry* dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathFilestatGet, &dir));
  const uint32_t lookupflags = call.u32(1);
  const uint32_t buf = call.u32(4);
  std::string path;
  EDGECTL_WASI_TRY(read_path(call, 2, &path));
  EDGECTL_WASI_TRY(call.mem.check(buf, abi::kFilestatSize));
  // O_PATH | O_NOFOLLOW opens a final symlink itself, so fstat describes the link.
  UniqueFd target;
  const int flags = O_PATH | (follows_symlinks(lookupflags) ? 0 : O_NOFOLLOW);
  EDGECTL_WASI_TRY(open_beneath(dir->host.get(), path, flags, 0, &target));
  struct stat st {};
  if (::fstat(target.get(), &st) != 0) return last_host_error();
  return store_filestat(call.mem, buf, filestat_of(st));
}

Outcome path_filestat_set_times(Ctx& ctx, const HostCall& call) {
  FdEntry* dir = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), rights::kPathFilestatSetTimes, &dir));
  const uint32_t lookupflags = call.u32(1);
  std::string path;
  EDGECTL_WASI_TRY(read_path(call, 2, &path));
  struct timespec times[2];
  EDGECTL_WASI_TRY(utimens_times(call.u64(4), call.u64(5), call.u32(6), times));
  const bool follow = follows_symlinks(lookupflags);
  UniqueFd target;
  EDGECTL_WASI_TRY(
      open_beneath(dir->host.get(), path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0, &target));
  const int at_flags = AT_EMPTY_PATH | (follow ? 0 : AT_SYMLINK_NOFOLLOW);
  return result_of(::utimensat(target.get(), "", times, at_flags));
}

}  // namespace handlers
}  // namespace edgectl::runtime::wasi::detail
