#pragma once
// The wasi_snapshot_preview1 ABI as constants: struct sizes and field offsets in guest memory,
// flag bits and enum values, all named as typenames.witx names them. Layouts follow the witx
// C ABI (natural alignment, little-endian).
#include <cstdint>

namespace edgectl::runtime::wasi::abi {

// --- Struct layouts -------------------------------------------------------------------------

// iovec / ciovec { buf: pointer u8, buf_len: size }
inline constexpr uint32_t kIovecSize = 8;
inline constexpr uint32_t kIovecBufOffset = 0;
inline constexpr uint32_t kIovecBufLenOffset = 4;

// fdstat { fs_filetype: u8, fs_flags: u16, fs_rights_base: u64, fs_rights_inheriting: u64 }
inline constexpr uint32_t kFdstatSize = 24;
inline constexpr uint32_t kFdstatFiletypeOffset = 0;
inline constexpr uint32_t kFdstatFlagsOffset = 2;
inline constexpr uint32_t kFdstatRightsBaseOffset = 8;
inline constexpr uint32_t kFdstatRightsInheritingOffset = 16;

// filestat { dev, ino, filetype: u8, nlink, size, atim, mtim, ctim } (all u64 but filetype)
inline constexpr uint32_t kFilestatSize = 64;
inline constexpr uint32_t kFilestatDevOffset = 0;
inline constexpr uint32_t kFilestatInoOffset = 8;
inline constexpr uint32_t kFilestatFiletypeOffset = 16;
inline constexpr uint32_t kFilestatNlinkOffset = 24;
inline constexpr uint32_t kFilestatSizeOffset = 32;
inline constexpr uint32_t kFilestatAtimOffset = 40;
inline constexpr uint32_t kFilestatMtimOffset = 48;
inline constexpr uint32_t kFilestatCtimOffset = 56;

// prestat: union tag u8 (preopentype), then prestat_dir { pr_name_len: size } at 4.
inline constexpr uint32_t kPrestatSize = 8;
inline constexpr uint32_t kPrestatTagOffset = 0;
inline constexpr uint32_t kPrestatDirNameLenOffset = 4;
inline constexpr uint8_t kPreopentypeDir = 0;

// dirent { d_next: dircookie, d_ino: inode, d_namlen: u32, d_type: filetype }, then the name.
inline constexpr uint32_t kDirentSize = 24;
inline constexpr uint32_t kDirentNextOffset = 0;
inline constexpr uint32_t kDirentInoOffset = 8;
inline constexpr uint32_t kDirentNamlenOffset = 16;
inline constexpr uint32_t kDirentTypeOffset = 20;

// subscription { userdata: u64, u: union tag u8 (eventtype) at 8, contents at 16 }
inline constexpr uint32_t kSubscriptionSize = 48;
inline constexpr uint32_t kSubscriptionUserdataOffset = 0;
inline constexpr uint32_t kSubscriptionTagOffset = 8;
// subscription_clock { id: clockid u32, timeout: u64, precision: u64, flags: u16 }
inline constexpr uint32_t kSubscriptionClockIdOffset = 16;
inline constexpr uint32_t kSubscriptionClockTimeoutOffset = 24;
inline constexpr uint32_t kSubscriptionClockPrecisionOffset = 32;
inline constexpr uint32_t kSubscriptionClockFlagsOffset = 40;
// subscription_fd_readwrite { file_descriptor: fd u32 }
inline constexpr uint32_t kSubscriptionFdOffset = 16;

// event { userdata: u64, error: errno u16, type: eventtype u8,
//         fd_readwrite: event_fd_readwrite { nbytes: u64, flags: u16 } at 16 }
inline constexpr uint32_t kEventSize = 32;
inline constexpr uint32_t kEventUserdataOffset = 0;
inline constexpr uint32_t kEventErrorOffset = 8;
inline constexpr uint32_t kEventTypeOffset = 10;
inline constexpr uint32_t kEventNbytesOffset = 16;
inline constexpr uint32_t kEventFlagsOffset = 24;

// Pointer-array entries (args_get, environ_get) and `size` results are u32.
inline constexpr uint32_t kPointerSize = 4;

// --- Enums ----------------------------------------------------------------------------------

enum class Filetype : uint8_t {
  Unknown = 0,
  BlockDevice = 1,
  CharacterDevice = 2,
  Directory = 3,
  RegularFile = 4,
  SocketDgram = 5,
  SocketStream = 6,
  SymbolicLink = 7,
};

inline constexpr uint32_t kClockRealtime = 0;
inline constexpr uint32_t kClockMonotonic = 1;
inline constexpr uint32_t kClockProcessCputime = 2;
inline constexpr uint32_t kClockThreadCputime = 3;

inline constexpr uint8_t kWhenceSet = 0;
inline constexpr uint8_t kWhenceCur = 1;
inline constexpr uint8_t kWhenceEnd = 2;

inline constexpr uint8_t kAdviceNormal = 0;
inline constexpr uint8_t kAdviceSequential = 1;
inline constexpr uint8_t kAdviceRandom = 2;
inline constexpr uint8_t kAdviceWillneed = 3;
inline constexpr uint8_t kAdviceDontneed = 4;
inline constexpr uint8_t kAdviceNoreuse = 5;

inline constexpr uint8_t kEventtypeClock = 0;
inline constexpr uint8_t kEventtypeFdRead = 1;
inline constexpr uint8_t kEventtypeFdWrite = 2;

// --- Flags ----------------------------------------------------------------------------------

// fdflags (u16)
inline constexpr uint16_t kFdflagAppend = 1 << 0;
inline constexpr uint16_t kFdflagDsync = 1 << 1;
inline constexpr uint16_t kFdflagNonblock = 1 << 2;
inline constexpr uint16_t kFdflagRsync = 1 << 3;
inline constexpr uint16_t kFdflagSync = 1 << 4;
inline constexpr uint16_t kFdflagsAll =
    kFdflagAppend | kFdflagDsync | kFdflagNonblock | kFdflagRsync | kFdflagSync;

// oflags (u16)
inline constexpr uint16_t kOflagCreat = 1 << 0;
inline constexpr uint16_t kOflagDirectory = 1 << 1;
inline constexpr uint16_t kOflagExcl = 1 << 2;
inline constexpr uint16_t kOflagTrunc = 1 << 3;
inline constexpr uint16_t kOflagsAll = kOflagCreat | kOflagDirectory | kOflagExcl | kOflagTrunc;

// lookupflags (u32)
inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

// fstflags (u16)
inline constexpr uint16_t kFstflagAtim = 1 << 0;
inline constexpr uint16_t kFstflagAtimNow = 1 << 1;
inline constexpr uint16_t kFstflagMtim = 1 << 2;
inline constexpr uint16_t kFstflagMtimNow = 1 << 3;
inline constexpr uint16_t kFstflagsAll =
    kFstflagAtim | kFstflagAtimNow | kFstflagMtim | kFstflagMtimNow;

// subclockflags (u16)
inline constexpr uint16_t kSubscriptionClockAbstime = 1 << 0;

// eventrwflags (u16)
inline constexpr uint16_t kEventFdReadwriteHangup = 1 << 0;

// rights (u64), in the specification's bit order.
namespace rights {
inline constexpr uint64_t kFdDatasync = 1ull << 0;
inline constexpr uint64_t kFdRead = 1ull << 1;
inline constexpr uint64_t kFdSeek = 1ull << 2;
inline constexpr uint64_t kFdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t kFdSync = 1ull << 4;
inline constexpr uint64_t kFdTell = 1ull << 5;
inline constexpr uint64_t kFdWrite = 1ull << 6;
inline constexpr uint64_t kFdAdvise = 1ull << 7;
inline constexpr uint64_t kFdAllocate = 1ull << 8;
inline constexpr uint64_t kPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kPathCreateFile = 1ull << 10;
inline constexpr uint64_t kPathLinkSource = 1ull << 11;
inline constexpr uint64_t kPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kPathOpen = 1ull << 13;
inline constexpr uint64_t kFdReaddir = 1ull << 14;
inline constexpr uint64_t kPathReadlink = 1ull << 15;
inline constexpr uint64_t kPathRenameSource = 1ull << 16;
inline constexpr uint64_t kPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kPathFilestatGet = 1ull << 18;
inline constexpr uint64_t kPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kFdFilestatGet = 1ull << 21;
inline constexpr uint64_t kFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kPathSymlink = 1ull << 24;
inline constexpr uint64_t kPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kSockShutdown = 1ull << 28;
inline constexpr uint64_t kSockAccept = 1ull << 29;

// The rights our policy hands out, grouped by what they apply to. A read-only preopen gets
// only the read-only groups, for itself and (as inheriting rights) for what is opened below it.

// Reading a regular file.
inline constexpr uint64_t kFileRead =
    kFdRead | kFdSeek | kFdTell | kFdFdstatSetFlags | kFdAdvise | kFdFilestatGet | kPollFdReadwrite;
// Changing a regular file. path_open asks for write access exactly when it requests one of
// kFileWriteAccess (as wasmtime decides it).
inline constexpr uint64_t kFileWriteAccess = kFdWrite | kFdAllocate | kFdFilestatSetSize;
inline constexpr uint64_t kFileWrite =
    kFileWriteAccess | kFdDatasync | kFdSync | kFdFilestatSetTimes;
// Looking at a directory and what is below it.
inline constexpr uint64_t kDirRead =
    kPathOpen | kFdReaddir | kPathReadlink | kPathFilestatGet | kFdFilestatGet | kFdFdstatSetFlags;
// Changing a directory or what is below it.
inline constexpr uint64_t kDirWrite =
    kPathCreateDirectory | kPathCreateFile | kPathLinkSource | kPathLinkTarget | kPathRenameSource |
    kPathRenameTarget | kPathFilestatSetSize | kPathFilestatSetTimes | kFdFilestatSetTimes |
    kPathSymlink | kPathRemoveDirectory | kPathUnlinkFile | kFdSync | kFdDatasync;
// Stdio: a stream, neither seekable nor tellable (wasi-libc's isatty() relies on that).
inline constexpr uint64_t kStdin = kFdRead | kFdFdstatSetFlags | kFdFilestatGet | kPollFdReadwrite;
inline constexpr uint64_t kStdout =
    kFdWrite | kFdFdstatSetFlags | kFdFilestatGet | kPollFdReadwrite;
}  // namespace rights

}  // namespace edgectl::runtime::wasi::abi
