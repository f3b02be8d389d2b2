// The preview1 table, dispatch checks, the errno mapping, and the rule that every function
// in the table has a test.
#include <cerrno>

#include "runtime/wasi/wasi.hpp"
#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;
using edgectl::runtime::wasi::find_function;
using edgectl::runtime::wasi::from_host_errno;
using edgectl::runtime::wasi::FunctionSpec;
using edgectl::runtime::wasi::ParamType;
using edgectl::runtime::wasi::preview1_functions;

TEST_CASE("wasi: the table lists every preview1 function, in the fixed order") {
  const std::vector<std::string_view> expected{"args_get",
                                               "args_sizes_get",
                                               "environ_get",
                                               "environ_sizes_get",
                                               "clock_res_get",
                                               "clock_time_get",
                                               "fd_advise",
                                               "fd_allocate",
                                               "fd_close",
                                               "fd_datasync",
                                               "fd_fdstat_get",
                                               "fd_fdstat_set_flags",
                                               "fd_fdstat_set_rights",
                                               "fd_filestat_get",
                                               "fd_filestat_set_size",
                                               "fd_filestat_set_times",
                                               "fd_pread",
                                               "fd_prestat_get",
                                               "fd_prestat_dir_name",
                                               "fd_pwrite",
                                               "fd_read",
                                               "fd_readdir",
                                               "fd_renumber",
                                               "fd_seek",
                                               "fd_sync",
                                               "fd_tell",
                                               "fd_write",
                                               "path_create_directory",
                                               "path_filestat_get",
                                               "path_filestat_set_times",
                                               "path_link",
                                               "path_open",
                                               "path_readlink",
                                               "path_remove_directory",
                                               "path_rename",
                                               "path_symlink",
                                               "path_unlink_file",
                                               "poll_oneoff",
                                               "proc_exit",
                                               "proc_raise",
                                               "sched_yield",
                                               "random_get",
                                               "sock_accept",
                                               "sock_recv",
                                               "sock_send",
                                               "sock_shutdown"};
  const auto& table = preview1_functions();
  REQUIRE(table.size() == expected.size());
  for (size_t i = 0; i < table.size(); ++i) {
    CHECK(table[i].name == expected[i]);
    CHECK(find_function(expected[i]) == i);
    CHECK(table[i].returns_errno == (table[i].name != "proc_exit"));
  }
  CHECK_FALSE(find_function("fd_mmap").has_value());
}

TEST_CASE("wasi: signatures follow the witx ABI lowering") {
  using P = ParamType;
  auto params = [](std::string_view name) {
    return preview1_functions()[*find_function(name)].params;
  };
  CHECK(params("sched_yield").empty());
  CHECK(params("clock_time_get") == std::vector<P>{P::I32, P::I64, P::I32});
  CHECK(params("fd_seek") == std::vector<P>{P::I32, P::I64, P::I32, P::I32});
  CHECK(params("fd_readdir") == std::vector<P>{P::I32, P::I32, P::I32, P::I64, P::I32});
  CHECK(params("path_open") ==
        std::vector<P>{P::I32, P::I32, P::I32, P::I32, P::I32, P::I64, P::I64, P::I32, P::I32});
  CHECK(params("path_filestat_set_times") ==
        std::vector<P>{P::I32, P::I32, P::I32, P::I32, P::I64, P::I64, P::I32});
  CHECK(params("fd_fdstat_set_rights") == std::vector<P>{P::I32, P::I64, P::I64});
  CHECK(params("sock_recv").size() == 6);
  CHECK(params("path_link").size() == 7);
}

TEST_CASE("wasi: an engine calling with a bad index or argument count gets a trap, not a crash") {
  Guest g(Guest::buffered());
  const std::vector<uint64_t> none;
  auto r = g.ctx->call(preview1_functions().size(), GuestMemory{g.mem.data(), g.mem.size()}, none);
  CHECK(r.trap);
  r = g.raw("fd_write", {1, 2});
  CHECK(r.trap);
  CHECK(r.trap_message.find("fd_write") != std::string::npos);
}

TEST_CASE("wasi: host errno values map to the spec's numbers") {
  CHECK(from_host_errno(0) == Errno::Success);
  CHECK(static_cast<int>(from_host_errno(ENOENT)) == 44);
  CHECK(static_cast<int>(from_host_errno(EBADF)) == 8);
  CHECK(static_cast<int>(from_host_errno(EEXIST)) == 20);
  CHECK(static_cast<int>(from_host_errno(ENOTEMPTY)) == 55);
  CHECK(static_cast<int>(from_host_errno(ELOOP)) == 32);
  CHECK(static_cast<int>(from_host_errno(EROFS)) == 69);
  CHECK(static_cast<int>(from_host_errno(EOPNOTSUPP)) == 58);
  // RESOLVE_BENEATH's answer to an escape.
  CHECK(static_cast<int>(from_host_errno(EXDEV)) == 76);
  CHECK(from_host_errno(-12345) == Errno::Io);
}

// Every entry of preview1.def must be named by some EDGECTL_WASI_COVERS next to its tests,
// and every name there must be in the table.
TEST_CASE("wasi: every preview1 function has a test") {
  const auto& covered = covered_functions();
  for (const FunctionSpec& f : preview1_functions()) {
    CHECK_MESSAGE(covered.count(std::string(f.name)) == 1, "no test covers " << f.name);
  }
  for (const std::string& name : covered) CHECK_MESSAGE(find_function(name).has_value(), name);
}
