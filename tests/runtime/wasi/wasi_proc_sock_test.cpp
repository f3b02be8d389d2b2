// proc_exit, proc_raise and the socket functions.
#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;

EDGECTL_WASI_COVERS("proc_exit", "proc_raise", "sock_accept", "sock_recv", "sock_send",
                    "sock_shutdown");

TEST_CASE("wasi: proc_exit is an outcome carrying the code, not a process exit") {
  Guest g(Guest::buffered());
  auto r = g.raw("proc_exit", {42});
  CHECK(r.exited);
  CHECK(r.exit_code == 42);
  CHECK_FALSE(r.trap);
  r = g.raw("proc_exit", {0});
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
}

TEST_CASE("wasi: proc_raise is not available to a guest") {
  Guest g(Guest::buffered());
  CHECK(g.call("proc_raise", {15}) == Errno::Nosys);
}

TEST_CASE("wasi: sockets are not supported") {
  Guest g(Guest::buffered());
  CHECK(g.call("sock_accept", {kFirstPreopen, 0, kOut}) == Errno::Notsup);
  CHECK(g.call("sock_recv", {0, kOut, 1, 0, kOut, kOut2}) == Errno::Notsup);
  CHECK(g.call("sock_send", {1, kOut, 1, 0, kOut}) == Errno::Notsup);
  CHECK(g.call("sock_shutdown", {1, 3}) == Errno::Notsup);
}
