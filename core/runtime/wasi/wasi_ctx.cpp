// The preview1 table and dispatch (both generated from preview1.def), the errno mapping, and
// WasiCtx's construction: stdio per WasiConfig, then the preopened folders at fds 3...
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/wasi/detail/ctx.hpp"
#include "runtime/wasi/wasi.hpp"
#include "runtime/host/host.hpp"

namespace edgectl::runtime::wasi {

namespace {

using detail::FdEntry;
using detail::FdKind;

// Indices into preview1_functions(), in preview1.def's order.
enum class Function : size_t {
#define EDGECTL_WASI_FUNC(name, results, params) name,
#include "runtime/wasi/preview1.def"
  kCount,
};

detail::Outcome dispatch(Function function, WasiCtx::Impl& ctx, const detail::HostCall& call) {
  switch (function) {
#define EDGECTL_WASI_FUNC(name, results, params) \
  case Function::name:                           \
    return detail::handlers::name(ctx, call);
#include "runtime/wasi/preview1.def"
    case Function::kCount:
      break;
  }
  return Errno::Nosys;  // unreachable: call() checked the index
}

CallResult host_trap(std::string message) {
  CallResult r;
  r.trap = true;
  r.trap_message = std::move(message);
  return r;
}

abi::Filetype stdio_filetype(StdioMode mode, int host_fd) {
  switch (mode) {
    case StdioMode::Inherit: {
      struct stat st {};
      return ::fstat(host_fd, &st) == 0 ? detail::filetype_of(st.st_mode) : abi::Filetype::Unknown;
    }
    // An in-memory pipe: not a terminal, not seekable.
    case StdioMode::Buffer:
      return abi::Filetype::Unknown;
    // Like /dev/null.
    case StdioMode::Null:
      return abi::Filetype::CharacterDevice;
  }
  return abi::Filetype::Unknown;
}

std::unique_ptr<FdEntry> stdio_entry(FdKind kind, StdioMode mode, int host_fd) {
  auto e = std::make_unique<FdEntry>();
  e->kind = kind;
  e->stdio = mode;
  e->filetype = stdio_filetype(mode, host_fd);
  e->rights_base = kind == FdKind::Stdin ? abi::rights::kStdin : abi::rights::kStdout;
  return e;
}

}  // namespace

Errno from_host_errno(int err) {
  switch (err) {
    case 0:
      return Errno::Success;
    case E2BIG:
      return Errno::TooBig;
    case EACCES:
      return Errno::Acces;
    case EADDRINUSE:
      return Errno::Addrinuse;
    case EADDRNOTAVAIL:
      return Errno::Addrnotavail;
    case EAFNOSUPPORT:
      return Errno::Afnosupport;
    case EAGAIN:
      return Errno::Again;  // == EWOULDBLOCK
    case EALREADY:
      return Errno::Already;
    case EBADF:
      return Errno::Badf;
    case EBADMSG:
      return Errno::Badmsg;
    case EBUSY:
      return Errno::Busy;
    case ECANCELED:
      return Errno::Canceled;
    case ECHILD:
      return Errno::Child;
    case ECONNABORTED:
      return Errno::Connaborted;
    case ECONNREFUSED:
      return Errno::Connrefused;
    case ECONNRESET:
      return Errno::Connreset;
    case EDEADLK:
      return Errno::Deadlk;
    case EDESTADDRREQ:
      return Errno::Destaddrreq;
    case EDOM:
      return Errno::Dom;
    case EDQUOT:
      return Errno::Dquot;
    case EEXIST:
      return Errno::Exist;
    case EFAULT:
      return Errno::Fault;
    case EFBIG:
      return Errno::Fbig;
    case EHOSTUNREACH:
      return Errno::Hostunreach;
    case EIDRM:
      return Errno::Idrm;
    case EILSEQ:
      return Errno::Ilseq;
    case EINPROGRESS:
      return Errno::Inprogress;
    case EINTR:
      return Errno::Intr;
    case EINVAL:
      return Errno::Inval;
    case EIO:
      return Errno::Io;
    case EISCONN:
      return Errno::Isconn;
    case EISDIR:
      return Errno::Isdir;
    case ELOOP:
      return Errno::Loop;
    case EMFILE:
      return Errno::Mfile;
    case EMLINK:
      return Errno::Mlink;
    case EMSGSIZE:
      return Errno::Msgsize;
    case EMULTIHOP:
      return Errno::Multihop;
    case ENAMETOOLONG:
      return Errno::Nametoolong;
    case ENETDOWN:
      return Errno::Netdown;
    case ENETRESET:
      return Errno::Netreset;
    case ENETUNREACH:
      return Errno::Netunreach;
    case ENFILE:
      return Errno::Nfile;
    case ENOBUFS:
      return Errno::Nobufs;
    case ENODEV:
      return Errno::Nodev;
    case ENOENT:
      return Errno::Noent;
    case ENOEXEC:
      return Errno::Noexec;
    case ENOLCK:
      return Errno::Nolck;
    case ENOLINK:
      return Errno::Nolink;
    case ENOMEM:
      return Errno::Nomem;
    case ENOMSG:
      return Errno::Nomsg;
    case ENOPROTOOPT:
      return Errno::Noprotoopt;
    case ENOSPC:
      return Errno::Nospc;
    case ENOSYS:
      return Errno::Nosys;
    case ENOTCONN:
      return Errno::Notconn;
    case ENOTDIR:
      return Errno::Notdir;
    case ENOTEMPTY:
      return Errno::Notempty;
    case ENOTRECOVERABLE:
      return Errno::Notrecoverable;
    case ENOTSOCK:
      return Errno::Notsock;
    case ENOTSUP:
      return Errno::Notsup;  // == EOPNOTSUPP on Linux
    case ENOTTY:
      return Errno::Notty;
    case ENXIO:
      return Errno::Nxio;
    case EOVERFLOW:
      return Errno::Overflow;
    case EOWNERDEAD:
      return Errno::Ownerdead;
    case EPERM:
      return Errno::Perm;
    case EPIPE:
      return Errno::Pipe;
    case EPROTO:
      return Errno::Proto;
    case EPROTONOSUPPORT:
      return Errno::Protonosupport;
    case EPROTOTYPE:
      return Errno::Prototype;
    case ERANGE:
      return Errno::Range;
    case EROFS:
      return Errno::Rofs;
    case ESPIPE:
      return Errno::Spipe;
    case ESRCH:
      return Errno::Srch;
    case ESTALE:
      return Errno::Stale;
    case ETIMEDOUT:
      return Errno::Timedout;
    case ETXTBSY:
      return Errno::Txtbsy;
    // openat2(RESOLVE_BENEATH) says EXDEV for a path that would leave the preopen.
    case EXDEV:
      return Errno::Notcapable;
    default:
      return Errno::Io;
  }
}

const std::vector<FunctionSpec>& preview1_functions() {
  static const std::vector<FunctionSpec> table = [] {
    using enum ParamType;
    constexpr bool kReturnsErrno = true;
    constexpr bool kReturnsNone = false;
    std::vector<FunctionSpec> t;
#define EDGECTL_WASI_PARAMS(...) \
  std::vector<ParamType> {       \
    __VA_ARGS__                  \
  }
#define EDGECTL_WASI_FUNC(name, results, params) \
  t.push_back(FunctionSpec{#name, EDGECTL_WASI_PARAMS params, kReturns##results});
#include "runtime/wasi/preview1.def"
#undef EDGECTL_WASI_PARAMS
    return t;
  }();
  return table;
}

std::optional<size_t> find_function(std::string_view name) {
  const auto& table = preview1_functions();
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i].name == name) return i;
  }
  return std::nullopt;
}

Result<std::unique_ptr<WasiCtx>> WasiCtx::create(WasiConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->fds.push_back(stdio_entry(FdKind::Stdin, config.stdin_mode, STDIN_FILENO));
  impl->fds.push_back(stdio_entry(FdKind::Stdout, config.stdout_mode, STDOUT_FILENO));
  impl->fds.push_back(stdio_entry(FdKind::Stderr, config.stderr_mode, STDERR_FILENO));
  if (config.preopens.size() > detail::kMaxOpenFds - impl->fds.size()) {
    return Error("too many preopened folders (at most " +
                 std::to_string(detail::kMaxOpenFds - impl->fds.size()) + ")");
  }
  for (const Preopen& p : config.preopens) {
    detail::UniqueFd dir(::open(p.host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) {
      return Error("cannot open the folder mapped to '" + p.guest + "': " + std::strerror(errno),
                   FileLocation{p.host.string()});
    }
    auto e = std::make_unique<FdEntry>();
    e->kind = FdKind::Directory;
    e->host = std::move(dir);
    e->filetype = abi::Filetype::Directory;
    e->preopen_name = p.guest;
    namespace r = abi::rights;
    e->rights_base = r::kDirRead | (p.writable ? r::kDirWrite : 0);
    e->rights_inheriting =
        r::kDirRead | r::kFileRead | (p.writable ? r::kDirWrite | r::kFileWrite : 0);
    impl->fds.push_back(std::move(e));
  }
  for (const auto& [key, value] : config.env) impl->environ.push_back(key + "=" + value);
  impl->config = std::move(config);
  return std::unique_ptr<WasiCtx>(new WasiCtx(std::move(impl)));
}

WasiCtx::WasiCtx(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WasiCtx::~WasiCtx() = default;

CallResult WasiCtx::call(size_t index, GuestMemory memory, std::span<const uint64_t> args) {
  const auto& table = preview1_functions();
  if (index >= table.size())
    return host_trap("wasi: no preview1 function #" + std::to_string(index));
  const FunctionSpec& spec = table[index];
  if (args.size() != spec.params.size()) {
    return host_trap("wasi: " + std::string(spec.name) + " takes " +
                     std::to_string(spec.params.size()) + " arguments, the engine passed " +
                     std::to_string(args.size()));
  }
  const detail::HostCall host_call{detail::Memory(memory), args};
  const detail::Outcome outcome = dispatch(static_cast<Function>(index), *impl_, host_call);
  CallResult result;
  result.errno_value = static_cast<uint32_t>(outcome.error);
  result.deadline_exceeded = outcome.deadline_exceeded;
  if (outcome.exit_code) {
    result.exited = true;
    result.exit_code = *outcome.exit_code;
  }
  return result;
}

void WasiCtx::set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
  impl_->deadline = deadline;
  if (impl_->config.host_session) impl_->config.host_session->deadline = deadline;
}

host::Session* WasiCtx::host_session() const { return impl_->config.host_session.get(); }

const std::string& WasiCtx::captured_stdout() const {
  return impl_->captured[0];
}
const std::string& WasiCtx::captured_stderr() const {
  return impl_->captured[1];
}
bool WasiCtx::output_truncated() const {
  return impl_->truncated;
}

}  // namespace edgectl::runtime::wasi
