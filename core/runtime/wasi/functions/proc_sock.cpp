// proc_exit, proc_raise and the socket functions: what a sandboxed guest may not do.
#include "runtime/wasi/detail/ctx.hpp"

namespace edgectl::runtime::wasi::detail::handlers {

// An exit is an outcome the engine unwinds the guest with, never a host process exit.
Outcome proc_exit(Ctx&, const HostCall& call) {
  Outcome o(Errno::Success);
  o.exit_code = call.u32(0);
  return o;
}

// Signals would reach the host process, which runs many guests; no guest may send one.
Outcome proc_raise(Ctx&, const HostCall&) {
  return Errno::Nosys;
}

// No sockets are ever handed to a guest (network access goes through host services).
Outcome sock_accept(Ctx&, const HostCall&) {
  return Errno::Notsup;
}
Outcome sock_recv(Ctx&, const HostCall&) {
  return Errno::Notsup;
}
Outcome sock_send(Ctx&, const HostCall&) {
  return Errno::Notsup;
}
Outcome sock_shutdown(Ctx&, const HostCall&) {
  return Errno::Notsup;
}

}  // namespace edgectl::runtime::wasi::detail::handlers
