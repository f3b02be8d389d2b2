// fd_readdir. Host directory offsets (telldir values) are opaque and may not survive a
// reopen, so cookies are positions in a snapshot: a call with cookie 0 lists the directory
// afresh, cookie N resumes at the snapshot's entry N. The order is ".", "..", then by name,
// the same on every filesystem.
#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>

#include "runtime/wasi/detail/ctx.hpp"

namespace edgectl::runtime::wasi::detail {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

abi::Filetype filetype_of_dirent(int dir_fd, const struct dirent& d) {
  switch (d.d_type) {
    case DT_REG:
      return abi::Filetype::RegularFile;
    case DT_DIR:
      return abi::Filetype::Directory;
    case DT_LNK:
      return abi::Filetype::SymbolicLink;
    case DT_CHR:
      return abi::Filetype::CharacterDevice;
    case DT_BLK:
      return abi::Filetype::BlockDevice;
    case DT_SOCK:
      return abi::Filetype::SocketStream;
    case DT_FIFO:
      return abi::Filetype::Unknown;
    default:
      break;
  }
  // Some filesystems leave d_type unknown; ask the entry itself (not what a link points to).
  struct stat st {};
  if (::fstatat(dir_fd, d.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return abi::Filetype::Unknown;
  return filetype_of(st.st_mode);
}

int dot_rank(const std::string& name) {
  return name == "." ? 0 : name == ".." ? 1 : 2;
}

Errno take_snapshot(FdEntry& e) {
  // A fresh open file description, so listing never moves the guest's own fd offset.
  UniqueFd fresh(::openat(e.host.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fresh.valid()) return last_host_error();
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(fresh.get()));
  if (!dir) return last_host_error();
  fresh.release();  // now owned by dir
  std::vector<DirEntry> listing;
  for (;;) {
    errno = 0;
    const struct dirent* d = ::readdir(dir.get());
    if (!d) break;
    listing.push_back(
        {d->d_name, static_cast<uint64_t>(d->d_ino), filetype_of_dirent(::dirfd(dir.get()), *d)});
  }
  if (errno != 0) return last_host_error();
  std::sort(listing.begin(), listing.end(), [](const DirEntry& a, const DirEntry& b) {
    const int ra = dot_rank(a.name);
    const int rb = dot_rank(b.name);
    return ra != rb ? ra < rb : a.name < b.name;
  });
  e.listing = std::move(listing);
  e.listing_valid = true;
  return Errno::Success;
}

}  // namespace

namespace handlers {

Outcome fd_readdir(Ctx& ctx, const HostCall& call) {
  FdEntry* e = nullptr;
  EDGECTL_WASI_TRY(ctx.lookup_dir(call.u32(0), abi::rights::kFdReaddir, &e));
  const uint32_t buf = call.u32(1);
  const uint32_t buf_len = call.u32(2);
  const uint64_t cookie = call.u64(3);
  const uint32_t bufused_ptr = call.u32(4);
  EDGECTL_WASI_TRY(call.mem.check(buf, buf_len));
  EDGECTL_WASI_TRY(call.mem.check(bufused_ptr, sizeof(uint32_t)));
  if (cookie == 0 || !e->listing_valid) EDGECTL_WASI_TRY(take_snapshot(*e));

  // Entries are packed as dirent header + name. The last one is cut off where the buffer
  // ends: bufused == buf_len tells the guest to retry with a larger buffer if it needs it.
  uint32_t used = 0;
  for (uint64_t i = cookie; i < e->listing.size() && used < buf_len; ++i) {
    const DirEntry& d = e->listing[i];
    Record<abi::kDirentSize> header;
    header.put(abi::kDirentNextOffset, i + 1);
    header.put(abi::kDirentInoOffset, d.ino);
    header.put(abi::kDirentNamlenOffset, static_cast<uint32_t>(d.name.size()));
    header.put(abi::kDirentTypeOffset, static_cast<uint8_t>(d.type));
    const uint32_t header_part = std::min(abi::kDirentSize, buf_len - used);
    std::memcpy(call.mem.at(buf + used), header.bytes.data(), header_part);
    used += header_part;
    const uint32_t name_part =
        static_cast<uint32_t>(std::min<size_t>(d.name.size(), buf_len - used));
    if (name_part > 0) std::memcpy(call.mem.at(buf + used), d.name.data(), name_part);
    used += name_part;
  }
  return call.mem.store(bufused_ptr, used);
}

}  // namespace handlers
}  // namespace edgectl::runtime::wasi::detail
