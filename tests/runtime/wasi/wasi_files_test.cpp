// Files in a preopened temp folder: path_open and the fd_* functions on what it returns.
#include <sys/stat.h>

#include "util/fs.hpp"
#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;
using edgectl::TempDir;

EDGECTL_WASI_COVERS("path_open", "fd_seek", "fd_tell", "fd_pread", "fd_pwrite", "fd_filestat_get",
                    "fd_filestat_set_size", "fd_filestat_set_times", "fd_fdstat_set_flags",
                    "fd_fdstat_set_rights", "fd_sync", "fd_datasync", "fd_advise", "fd_allocate",
                    "fd_renumber", "fd_close", "fd_prestat_get", "fd_prestat_dir_name",
                    "path_filestat_get", "path_filestat_set_times");

namespace {

WasiConfig with_preopen(const TempDir& dir, bool writable = true, std::string guest = "/data") {
  WasiConfig c = Guest::buffered();
  c.preopens.push_back(Preopen{dir.path(), std::move(guest), writable});
  return c;
}

std::string host_text(const TempDir& dir, const std::string& name) {
  auto r = edgectl::read_text_file(dir.path() / name);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("wasi: preopens are described at fds 3.. by fd_prestat_get and fd_prestat_dir_name") {
  TempDir a, b;
  WasiConfig c = with_preopen(a);
  c.preopens.push_back(Preopen{b.path(), ".", false});
  Guest g(std::move(c));
  REQUIRE(g.call("fd_prestat_get", {3, kOut}) == Errno::Success);
  CHECK(g.mem[kOut] == 0);  // preopentype::dir
  CHECK(g.load<uint32_t>(kOut + 4) == 5);
  const uint32_t name = g.alloc(16, 1);
  REQUIRE(g.call("fd_prestat_dir_name", {3, name, 5}) == Errno::Success);
  CHECK(g.text(name, 5) == "/data");
  CHECK(g.call("fd_prestat_dir_name", {3, name, 4}) == Errno::Nametoolong);
  REQUIRE(g.call("fd_prestat_get", {4, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut + 4) == 1);
  REQUIRE(g.call("fd_prestat_dir_name", {4, name, 16}) == Errno::Success);
  CHECK(g.mem[name] == '.');
  // wasi-libc stops scanning at the first Badf.
  CHECK(g.call("fd_prestat_get", {5, kOut}) == Errno::Badf);
  CHECK(g.call("fd_prestat_get", {kStdout, kOut}) == Errno::Badf);
  CHECK(g.call("fd_prestat_get", {3, kBadPtr}) == Errno::Fault);
  CHECK(g.call("fd_prestat_dir_name", {3, static_cast<uint32_t>(g.mem.size()) - 2, 5}) ==
        Errno::Fault);
}

TEST_CASE("wasi: a missing preopen folder is a create() error naming it") {
  WasiConfig c;
  c.preopens.push_back(Preopen{"/nonexistent/edgectl-wasi", "/x", false});
  auto r = WasiCtx::create(std::move(c));
  REQUIRE_FALSE(r.ok());
  CHECK(std::get<edgectl::FileLocation>(r.error().primary().location).file ==
        "/nonexistent/edgectl-wasi");
}

TEST_CASE("wasi: create, write, seek, tell and read a file") {
  TempDir dir;
  Guest g(with_preopen(dir));
  const uint32_t fd = g.open_rw(3, "hello.txt");
  CHECK(fd == 4);
  uint32_t n = 0;
  REQUIRE(g.write(fd, "hello, world", &n) == Errno::Success);
  CHECK(n == 12);
  REQUIRE(g.call("fd_tell", {fd, kOut}) == Errno::Success);
  CHECK(g.load<uint64_t>(kOut) == 12);
  REQUIRE(g.call("fd_seek", {fd, 7, kWhenceSet, kOut}) == Errno::Success);
  CHECK(g.load<uint64_t>(kOut) == 7);
  CHECK(g.read(fd, 100) == "world");
  REQUIRE(g.call("fd_seek", {fd, static_cast<uint64_t>(-5), kWhenceEnd, kOut}) == Errno::Success);
  CHECK(g.load<uint64_t>(kOut) == 7);
  REQUIRE(g.call("fd_seek", {fd, static_cast<uint64_t>(-2), kWhenceCur, kOut}) == Errno::Success);
  CHECK(g.load<uint64_t>(kOut) == 5);
  CHECK(g.call("fd_seek", {fd, static_cast<uint64_t>(-100), kWhenceCur, kOut}) == Errno::Inval);
  CHECK(g.call("fd_seek", {fd, 0, 3, kOut}) == Errno::Inval);  // no such whence
  CHECK(g.call("fd_seek", {fd, 0, kWhenceSet, kBadPtr}) == Errno::Fault);
  CHECK(g.call("fd_tell", {fd, kBadPtr}) == Errno::Fault);
  CHECK(host_text(dir, "hello.txt") == "hello, world");
  CHECK(g.call("fd_tell", {99, kOut}) == Errno::Badf);
}

TEST_CASE("wasi: fd_pread and fd_pwrite use their own offset and leave the fd's alone") {
  TempDir dir;
  Guest g(with_preopen(dir));
  const uint32_t fd = g.open_rw(3, "p.bin");
  REQUIRE(g.write(fd, "0123456789") == Errno::Success);
  const uint32_t src = g.put("AB");
  REQUIRE(g.call("fd_pwrite", {fd, g.iovecs({{src, 2}}), 1, 3, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 2);
  const uint32_t dst = g.alloc(4, 1);
  REQUIRE(g.call("fd_pread", {fd, g.iovecs({{dst, 4}}), 1, 2, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 4);
  CHECK(g.text(dst, 4) == "2AB5");
  REQUIRE(g.call("fd_tell", {fd, kOut}) == Errno::Success);
  CHECK(g.load<uint64_t>(kOut) == 10);
  REQUIRE(g.call("fd_pread", {fd, g.iovecs({{dst, 4}}), 1, 100, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 0);  // past the end
  CHECK(g.call("fd_pread", {fd, g.iovecs({{dst, 4}}), 1, 1ull << 63, kOut}) == Errno::Inval);
  CHECK(g.call("fd_pwrite", {fd, g.iovecs({{kBadPtr, 4}}), 1, 0, kOut}) == Errno::Fault);
  CHECK(g.call("fd_pread", {fd, g.iovecs({{dst, 4}}), 1, 0, kBadPtr}) == Errno::Fault);
  CHECK(host_text(dir, "p.bin") == "012AB56789");
  // Stdio cannot seek, so it has no positional I/O.
  CHECK(g.call("fd_pwrite", {kStdout, g.iovecs({{src, 2}}), 1, 0, kOut}) == Errno::Notcapable);
}

TEST_CASE("wasi: filestat, set_size and set_times on a file") {
  TempDir dir;
  Guest g(with_preopen(dir));
  const uint32_t fd = g.open_rw(3, "f");
  REQUIRE(g.write(fd, "abc") == Errno::Success);
  const uint32_t st = g.alloc(kFilestatSize);
  REQUIRE(g.call("fd_filestat_get", {fd, st}) == Errno::Success);
  CHECK(g.mem[st + kFilestatFiletypeOffset] == kFiletypeRegularFile);
  CHECK(g.load<uint64_t>(st + kFilestatSizeOffset) == 3);
  CHECK(g.load<uint64_t>(st + kFilestatNlinkOffset) == 1);

  REQUIRE(g.call("fd_filestat_set_size", {fd, 6}) == Errno::Success);
  CHECK(host_text(dir, "f") == std::string("abc\0\0\0", 6));  // grown with zeros
  REQUIRE(g.call("fd_filestat_set_size", {fd, 1}) == Errno::Success);
  CHECK(host_text(dir, "f") == "a");
  CHECK(g.call("fd_filestat_set_size", {fd, 1ull << 63}) == Errno::Fbig);

  const uint64_t atim = 1'000'000'000ull * 1'600'000'000ull + 5;
  const uint64_t mtim = 1'000'000'000ull * 1'500'000'000ull + 7;
  REQUIRE(g.call("fd_filestat_set_times", {fd, atim, mtim, kFstflagAtim | kFstflagMtim}) ==
          Errno::Success);
  REQUIRE(g.call("fd_filestat_get", {fd, st}) == Errno::Success);
  CHECK(g.load<uint64_t>(st + kFilestatAtimOffset) == atim);
  CHECK(g.load<uint64_t>(st + kFilestatMtimOffset) == mtim);
  // Only mtim to now; atim untouched.
  REQUIRE(g.call("fd_filestat_set_times", {fd, 0, 0, kFstflagMtimNow}) == Errno::Success);
  REQUIRE(g.call("fd_filestat_get", {fd, st}) == Errno::Success);
  CHECK(g.load<uint64_t>(st + kFilestatAtimOffset) == atim);
  CHECK(g.load<uint64_t>(st + kFilestatMtimOffset) > mtim);
  CHECK(g.call("fd_filestat_set_times", {fd, 0, 0, kFstflagAtim | kFstflagAtimNow}) ==
        Errno::Inval);
  CHECK(g.call("fd_filestat_set_times", {fd, 0, 0, 16}) == Errno::Inval);
  CHECK(g.call("fd_filestat_get", {fd, kBadPtr}) == Errno::Fault);

  // The same through paths.
  uint32_t buf = 0;
  REQUIRE(g.filestat(3, "f", kLookupSymlinkFollow, &buf) == Errno::Success);
  CHECK(g.load<uint64_t>(buf + kFilestatSizeOffset) == 1);
  const uint32_t path = g.put("f");
  REQUIRE(g.call("path_filestat_set_times",
                 {3, 0, path, 1, atim, atim, kFstflagAtim | kFstflagMtim}) == Errno::Success);
  REQUIRE(g.filestat(3, "f", 0, &buf) == Errno::Success);
  CHECK(g.load<uint64_t>(buf + kFilestatMtimOffset) == atim);
  CHECK(g.call("path_filestat_set_times", {3, 0, path, 1, 0, 0, kFstflagMtim | kFstflagMtimNow}) ==
        Errno::Inval);
  CHECK(g.filestat(3, "missing", 0, &buf) == Errno::Noent);
  CHECK(g.call("path_filestat_get", {3, 0, path, 1, kBadPtr}) == Errno::Fault);
  // Stdio in Buffer mode has a filestat with only its type.
  REQUIRE(g.call("fd_filestat_get", {kStdout, st}) == Errno::Success);
  CHECK(g.load<uint64_t>(st + kFilestatSizeOffset) == 0);
}

TEST_CASE("wasi: fdstat of a file, append mode, and dropping rights") {
  TempDir dir;
  Guest g(with_preopen(dir));
  const uint32_t fd = g.open_rw(3, "log");
  REQUIRE(g.write(fd, "first\n") == Errno::Success);
  const uint32_t st = g.alloc(kFdstatSize);
  REQUIRE(g.call("fd_fdstat_get", {fd, st}) == Errno::Success);
  CHECK(g.mem[st] == kFiletypeRegularFile);
  CHECK(g.load<uint16_t>(st + 2) == 0);
  const auto base = g.load<uint64_t>(st + 8);
  CHECK((base & (kRightFdRead | kRightFdWrite | kRightFdSeek)) ==
        (kRightFdRead | kRightFdWrite | kRightFdSeek));
  CHECK((base & kRightPathOpen) == 0);  // a directory right, meaningless on a file

  REQUIRE(g.call("fd_seek", {fd, 0, kWhenceSet, kOut}) == Errno::Success);
  REQUIRE(g.call("fd_fdstat_set_flags", {fd, kFdflagAppend}) == Errno::Success);
  REQUIRE(g.write(fd, "second\n") == Errno::Success);
  CHECK(host_text(dir, "log") == "first\nsecond\n");
  REQUIRE(g.call("fd_fdstat_get", {fd, st}) == Errno::Success);
  CHECK(g.load<uint16_t>(st + 2) == kFdflagAppend);
  CHECK(g.call("fd_fdstat_set_flags", {fd, kFdflagSync}) == Errno::Notsup);
  CHECK(g.call("fd_fdstat_set_flags", {fd, 1u << 9}) == Errno::Inval);
  REQUIRE(g.call("fd_fdstat_set_flags", {fd, 0}) == Errno::Success);

  // Rights can be dropped, never added back.
  REQUIRE(g.call("fd_fdstat_set_rights", {fd, kRightFdRead | kRightFdSeek, 0}) == Errno::Success);
  CHECK(g.write(fd, "x") == Errno::Notcapable);
  REQUIRE(g.call("fd_fdstat_get", {fd, st}) == Errno::Success);
  CHECK(g.load<uint64_t>(st + 8) == (kRightFdRead | kRightFdSeek));
  CHECK(g.call("fd_fdstat_set_rights", {fd, kRightFdRead | kRightFdWrite, 0}) == Errno::Notcapable);
  CHECK(g.call("fd_tell", {fd, kOut}) == Errno::Success);  // fd_seek implies fd_tell
  // Stdio records its flags only.
  REQUIRE(g.call("fd_fdstat_set_flags", {kStdout, kFdflagNonblock}) == Errno::Success);
  REQUIRE(g.call("fd_fdstat_get", {kStdout, st}) == Errno::Success);
  CHECK(g.load<uint16_t>(st + 2) == kFdflagNonblock);
}

TEST_CASE("wasi: open flags: append, exclusive, truncate, directory, missing files") {
  TempDir dir;
  Guest g(with_preopen(dir));
  uint32_t fd = g.open_rw(3, "a.txt", kOflagCreat, kFdflagAppend);
  REQUIRE(g.write(fd, "one") == Errno::Success);
  REQUIRE(g.call("fd_seek", {fd, 0, kWhenceSet, kOut}) == Errno::Success);
  REQUIRE(g.write(fd, "two") == Errno::Success);
  CHECK(host_text(dir, "a.txt") == "onetwo");
  uint32_t other = 0;
  CHECK(g.open(3, "a.txt", kOflagCreat | kOflagExcl, kAllRights, 0, &other) == Errno::Exist);
  CHECK(g.open(3, "a.txt", kOflagDirectory, kAllRights, 0, &other) == Errno::Notdir);
  CHECK(g.open(3, "nope.txt", 0, kAllRights, 0, &other) == Errno::Noent);
  CHECK(g.open(3, "a.txt", 1u << 4, kAllRights, 0, &other) == Errno::Inval);
  fd = g.open_rw(3, "a.txt", kOflagTrunc);
  CHECK(host_text(dir, "a.txt").empty());
  // Opening without write rights gives a read-only fd.
  REQUIRE(g.open(3, "a.txt", 0, kRightFdRead, 0, &other) == Errno::Success);
  CHECK(g.write(other, "x") == Errno::Notcapable);
  // A folder opens as a directory fd; writing it is refused by the kernel.
  REQUIRE(::mkdir((dir.path() / "sub").c_str(), 0755) == 0);
  REQUIRE(g.open(3, "sub", kOflagDirectory, kRightFdReaddir | kRightPathOpen, 0, &other) ==
          Errno::Success);
  const uint32_t st = g.alloc(kFdstatSize);
  REQUIRE(g.call("fd_fdstat_get", {other, st}) == Errno::Success);
  CHECK(g.mem[st] == kFiletypeDirectory);
  CHECK(g.open(3, "sub", 0, kRightFdWrite, 0, &other) == Errno::Isdir);
  // With O_DIRECTORY, write rights do not apply and are left out.
  REQUIRE(g.open(3, "sub", kOflagDirectory, kAllRights, 0, &other) == Errno::Success);
  REQUIRE(g.call("fd_fdstat_get", {other, st}) == Errno::Success);
  CHECK((g.load<uint64_t>(st + 8) & (kRightFdWrite | kRightFdSeek)) == 0);
  CHECK((g.load<uint64_t>(st + 8) & kRightPathCreateFile) != 0);
  // A bad result pointer faults before anything is opened.
  const uint32_t p = g.put("a.txt");
  CHECK(g.call("path_open", {3, 0, p, 5, 0, kAllRights, 0, 0, kBadPtr}) == Errno::Fault);
  CHECK(g.call("path_open", {kStdout, 0, p, 5, 0, kAllRights, 0, 0, kOut}) == Errno::Notdir);
  CHECK(g.call("path_open", {fd, 0, p, 5, 0, kAllRights, 0, 0, kOut}) == Errno::Notdir);
  CHECK(g.call("path_open", {42, 0, p, 5, 0, kAllRights, 0, 0, kOut}) == Errno::Badf);
}

TEST_CASE("wasi: sync, datasync, advise and allocate on a file") {
  TempDir dir;
  Guest g(with_preopen(dir));
  const uint32_t fd = g.open_rw(3, "data");
  REQUIRE(g.write(fd, "payload") == Errno::Success);
  CHECK(g.call("fd_sync", {fd}) == Errno::Success);
  CHECK(g.call("fd_datasync", {fd}) == Errno::Success);
  CHECK(g.call("fd_advise", {fd, 0, 7, 1}) == Errno::Success);  // sequential
  CHECK(g.call("fd_advise", {fd, 0, 7, 6}) == Errno::Inval);
  REQUIRE(g.call("fd_allocate", {fd, 0, 4096}) == Errno::Success);
  const uint32_t st = g.alloc(kFilestatSize);
  REQUIRE(g.call("fd_filestat_get", {fd, st}) == Errno::Success);
  CHECK(g.load<uint64_t>(st + kFilestatSizeOffset) == 4096);
  CHECK(g.call("fd_allocate", {fd, 1ull << 62, 1ull << 62}) == Errno::Fbig);
  CHECK(g.call("fd_sync", {kStdout}) == Errno::Notcapable);
  CHECK(g.call("fd_datasync", {kStdin}) == Errno::Notcapable);
  CHECK(g.call("fd_advise", {kStdin, 0, 0, 0}) == Errno::Notcapable);
  CHECK(g.call("fd_allocate", {kStdout, 0, 1}) == Errno::Notcapable);
  CHECK(g.call("fd_sync", {1000}) == Errno::Badf);
}

TEST_CASE("wasi: renumber moves an fd over another - close frees it") {
  TempDir dir;
  Guest g(with_preopen(dir));
  const uint32_t a = g.open_rw(3, "a");
  const uint32_t b = g.open_rw(3, "b");
  REQUIRE(g.write(a, "A") == Errno::Success);
  REQUIRE(g.call("fd_renumber", {a, b}) == Errno::Success);
  CHECK(g.write(a, "x") == Errno::Badf);
  REQUIRE(g.write(b, "B") == Errno::Success);  // now the file "a"
  CHECK(host_text(dir, "a") == "AB");
  CHECK(host_text(dir, "b").empty());
  CHECK(g.call("fd_renumber", {b, b}) == Errno::Success);
  CHECK(g.call("fd_renumber", {b, 50}) == Errno::Badf);
  CHECK(g.call("fd_renumber", {50, b}) == Errno::Badf);
  REQUIRE(g.call("fd_close", {b}) == Errno::Success);
  CHECK(g.call("fd_close", {b}) == Errno::Badf);
  CHECK(g.write(b, "x") == Errno::Badf);
  // The lowest free number is reused.
  CHECK(g.open_rw(3, "c") == a);
  // Stdio can be renumbered and closed like any fd.
  REQUIRE(g.call("fd_renumber", {kStdout, kStderr}) == Errno::Success);
  REQUIRE(g.write(kStderr, "to stdout") == Errno::Success);
  CHECK(g.ctx->captured_stdout() == "to stdout");
  REQUIRE(g.call("fd_close", {kStderr}) == Errno::Success);
  CHECK(g.write(kStderr, "x") == Errno::Badf);
}

TEST_CASE("wasi: an instance cannot hold more than its share of fds") {
  TempDir dir;
  Guest g(with_preopen(dir));
  const uint32_t first = g.open_rw(3, "f");
  Errno last = Errno::Success;
  uint32_t fd = 0;
  for (int i = 0; i < 300 && last == Errno::Success; ++i)
    last = g.open(3, "f", 0, kRightFdRead, 0, &fd);
  CHECK(last == Errno::Mfile);
  CHECK(g.call("fd_close", {first}) == Errno::Success);
  CHECK(g.open(3, "f", 0, kRightFdRead, 0, &fd) == Errno::Success);
}
