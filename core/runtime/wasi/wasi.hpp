#pragma once
// WASI preview1 (wasi_snapshot_preview1), implemented once and shared by every engine.
//
// An engine binds the functions of preview1_functions() by index as host imports. On each
// call it hands call() the raw arguments and a view of the caller's linear memory; call()
// does all bounds checks, the capability checks and the errno mapping. Nothing here knows
// which engine runs the guest.
//
// Capabilities are deny-by-default: files only below preopened folders (no path escapes:
// "..", absolute paths and symlinks are resolved by the kernel beneath the preopen, with
// openat2(RESOLVE_BENEATH)), only the environment given, no sockets.
//
// The policy, as the guest sees it (errno values are the spec's):
//   - A path that would leave its directory fd (".." past the preopen, an absolute path, a
//     symlink pointing outside, at any depth of a chain) fails with Notcapable (76).
//   - A read-only preopen (Preopen::writable = false) and everything below it lack the
//     rights to change anything: path_open asking for write access, O_CREAT or O_TRUNC,
//     and creating, removing, renaming, linking, symlinking, set_times and set_size fail
//     with Notcapable, as any call missing a right does. fd_fdstat_get shows those rights.
//   - path_open grants the requested rights intersected with the directory's inheriting
//     rights (the spec allows fewer); only asking for write access it may not have fails.
//   - Only regular files and directories can be opened (FIFOs and devices could block the
//     host thread past the deadline): anything else is Notsup.
//   - path_link with SYMLINK_FOLLOW is Inval (following could link to a file outside);
//     path_symlink stores its target as given (a link pointing outside may exist, but
//     nothing will follow it out).
//   - fd_readdir lists ".", ".." and the entries sorted by name, from a snapshot taken at
//     cookie 0; cookie N resumes at entry N.
//   - poll_oneoff treats CPU-time clocks as wall time for relative timeouts; it never sleeps
//     past the deadline (set_deadline): then it returns no events and marks the CallResult.
//   - proc_raise is Nosys (a guest cannot signal the host); sock_* are Notsup.
//   - fd_fdstat_set_flags on stdio records the flags only (it never changes the host's own
//     fds); on files it changes APPEND and NONBLOCK, and the sync flags are Notsup.
//   - At most 256 fds are open at once (Mfile beyond), stdio and preopens included.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace edgectl::runtime::host {
struct Session;  // the `edgectl` host module's per-instance state (runtime/host/host.hpp)
}

namespace edgectl::runtime::wasi {

inline constexpr std::string_view kModuleName = "wasi_snapshot_preview1";

// WASI errno values, numbered as the specification numbers them (typenames.witx).
enum class Errno : uint16_t {
  Success = 0, TooBig = 1, Acces = 2, Addrinuse = 3, Addrnotavail = 4, Afnosupport = 5, Again = 6,
  Already = 7, Badf = 8, Badmsg = 9, Busy = 10, Canceled = 11, Child = 12, Connaborted = 13,
  Connrefused = 14, Connreset = 15, Deadlk = 16, Destaddrreq = 17, Dom = 18, Dquot = 19, Exist = 20,
  Fault = 21, Fbig = 22, Hostunreach = 23, Idrm = 24, Ilseq = 25, Inprogress = 26, Intr = 27,
  Inval = 28, Io = 29, Isconn = 30, Isdir = 31, Loop = 32, Mfile = 33, Mlink = 34, Msgsize = 35,
  Multihop = 36, Nametoolong = 37, Netdown = 38, Netreset = 39, Netunreach = 40, Nfile = 41,
  Nobufs = 42, Nodev = 43, Noent = 44, Noexec = 45, Nolck = 46, Nolink = 47, Nomem = 48, Nomsg = 49,
  Noprotoopt = 50, Nospc = 51, Nosys = 52, Notconn = 53, Notdir = 54, Notempty = 55,
  Notrecoverable = 56, Notsock = 57, Notsup = 58, Notty = 59, Nxio = 60, Overflow = 61,
  Ownerdead = 62, Perm = 63, Pipe = 64, Proto = 65, Protonosupport = 66, Prototype = 67, Range = 68,
  Rofs = 69, Spipe = 70, Srch = 71, Stale = 72, Timedout = 73, Txtbsy = 74, Xdev = 75,
  Notcapable = 76,
};
// The single place host errno values become WASI ones. EXDEV becomes Notcapable: beneath a
// preopen it is how openat2(RESOLVE_BENEATH) reports a path that would escape (".." past the
// root, an absolute path or symlink). An unknown value becomes Io.
Errno from_host_errno(int err);

enum class ParamType : uint8_t { I32, I64 };

struct FunctionSpec {
  std::string_view name;
  std::vector<ParamType> params;
  bool returns_errno = true;  // false only for proc_exit (returns nothing)
};

// Every preview1 function, in a fixed order; engines bind by index into this table.
const std::vector<FunctionSpec>& preview1_functions();
std::optional<size_t> find_function(std::string_view name);

// A view of the caller's linear memory, valid for one host call (memory may move when it
// grows, so engines make a fresh view per call).
struct GuestMemory {
  uint8_t* base = nullptr;
  uint64_t size = 0;
};

enum class StdioMode { Inherit, Buffer, Null };

struct Preopen {
  std::filesystem::path host;  // a host folder
  std::string guest;           // the name the guest sees, e.g. "/data" or "."
  bool writable = false;
};

// What a guest may see and touch. Built by the caller (CLI flags, manifest, server).
struct WasiConfig {
  std::vector<std::string> args;                          // argv, argv[0] included
  std::vector<std::pair<std::string, std::string>> env;   // only these are visible
  std::vector<Preopen> preopens;
  StdioMode stdin_mode = StdioMode::Null;
  std::string stdin_data;                                 // with StdioMode::Buffer
  StdioMode stdout_mode = StdioMode::Buffer;
  StdioMode stderr_mode = StdioMode::Buffer;
  size_t max_captured_output = 16 * 1024 * 1024;          // per buffered stream; the rest is dropped
  // Called with every chunk of guest stdout/stderr as it is written (Buffer mode), if set,
  // with fd 1 or 2. It sees all the bytes, also those past max_captured_output.
  std::function<void(int fd, std::string_view)> on_output;
  // The `edgectl` host module's state for this instance (stores, grants, request id); null:
  // its functions trap. Carried here because this is the per-instance context engines
  // already hand to every host call.
  std::shared_ptr<host::Session> host_session;
};

// The outcome of one host call.
struct CallResult {
  uint32_t errno_value = 0;  // the function's i32 result
  bool exited = false;       // proc_exit was called: unwind the guest
  uint32_t exit_code = 0;
  bool trap = false;         // a host-side trap (the engine called with a bad index or
  std::string trap_message;  // argument count); message in trap_message
  // A blocking call (poll_oneoff, a read of inherited stdin) stopped because the deadline
  // passed; the engine should stop the guest with a Timeout trap now.
  bool deadline_exceeded = false;
};

// Per-instance WASI state: args, env, the fd table (stdio + preopens + opened files),
// captured output, and the deadline blocking calls honour.
class WasiCtx {
 public:
  // Opens the preopened folders; an Error names a folder that cannot be opened.
  static Result<std::unique_ptr<WasiCtx>> create(WasiConfig config);
  ~WasiCtx();
  WasiCtx(const WasiCtx&) = delete;
  WasiCtx& operator=(const WasiCtx&) = delete;

  // Calls preview1_functions()[index] with raw arguments (i32 zero-extended).
  CallResult call(size_t index, GuestMemory memory, std::span<const uint64_t> args);

  // Blocking calls (poll_oneoff sleeps, reads) return early once this passes.
  void set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline);

  const std::string& captured_stdout() const;
  const std::string& captured_stderr() const;
  bool output_truncated() const;

  // The `edgectl` host module's state (WasiConfig::host_session), or null. Its deadline
  // follows set_deadline().
  host::Session* host_session() const;

  struct Impl;

 private:
  explicit WasiCtx(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgectl::runtime::wasi
