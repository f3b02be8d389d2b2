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

namespace edgectl::runtime::wasi {

inline constexpr std::string_view kModuleName = "wasi_snapshot_preview1";

// WASI errno values (a subset is listed; the numbering is the specification's).
enum class Errno : uint16_t {
  Success = 0, TooBig = 1, Acces = 2, Again = 6, Badf = 8, Exist = 20, Fault = 21, Inval = 28, Io = 29,
  Isdir = 31, Loop = 32, Mfile = 33, Nametoolong = 37, Noent = 44, Nomem = 48, Nospc = 51, Nosys = 52,
  Notdir = 54, Notempty = 55, Notsup = 58, Overflow = 61, Perm = 63, Pipe = 64, Range = 68, Spipe = 70,
  Notcapable = 76,
};
// The single place host errno values become WASI ones.
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
  // Called with a chunk of guest stdout/stderr as it is written (Buffer mode), if set.
  std::function<void(int fd, std::string_view)> on_output;
};

// The outcome of one host call.
struct CallResult {
  uint32_t errno_value = 0;  // the function's i32 result
  bool exited = false;       // proc_exit was called: unwind the guest
  uint32_t exit_code = 0;
  bool trap = false;         // a host-side trap (e.g. proc_raise); message in trap_message
  std::string trap_message;
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

  struct Impl;

 private:
  explicit WasiCtx(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgectl::runtime::wasi
