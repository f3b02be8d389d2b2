// WASI function groups exercised end to end: C programs against wasi-libc (clang-19 at test
// time) and hand-written WAT, run as commands in the interp engine. Each program prints
// what it observed; the test checks the text and, where it matters, the host side.
#include <filesystem>

#include "engine_support.hpp"
#include "util/fs.hpp"

namespace edgectl::runtime {
namespace {

namespace fs = std::filesystem;
using test::compile_c;
using test::test_engine;
using test::load;
using test::run_command;

wasi::WasiConfig with_dir(const fs::path& host, bool writable = true) {
  wasi::WasiConfig c;
  c.args = {"t.wasm"};
  c.preopens.push_back({host, "/data", writable});
  return c;
}

TEST_CASE("wasi groups: clocks, random, sched_yield and poll_oneoff sleeps") {
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <sched.h>
    #include <stdio.h>
    #include <string.h>
    #include <time.h>
    #include <unistd.h>
    int main(void) {
      struct timespec a, b, res, wall;
      clock_gettime(CLOCK_MONOTONIC, &a);
      clock_getres(CLOCK_MONOTONIC, &res);
      clock_gettime(CLOCK_REALTIME, &wall);
      struct timespec nap = {0, 20 * 1000 * 1000};
      nanosleep(&nap, NULL);                 /* poll_oneoff with a clock subscription */
      clock_gettime(CLOCK_MONOTONIC, &b);
      long slept_ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
      unsigned char r1[32], r2[32];
      getentropy(r1, sizeof r1);             /* random_get */
      getentropy(r2, sizeof r2);
      printf("slept>=20:%d res>0:%d wall>2020:%d random-differs:%d yield:%d\n", slept_ms >= 20,
             res.tv_sec > 0 || res.tv_nsec > 0, wall.tv_sec > 1577836800, memcmp(r1, r2, 32) != 0,
             sched_yield());
      return 0;
    })c"));
  wasi::WasiConfig config;
  config.args = {"t.wasm"};
  auto ran = run_command(*module, config);
  CHECK(ran.outcome.exit_code == 0);
  CHECK(ran.out == "slept>=20:1 res>0:1 wall>2020:1 random-differs:1 yield:0\n");
}

TEST_CASE("wasi groups: file descriptors - seek, tell, pread, pwrite, stat, truncate, append, sync") {
  TempDir dir;
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <fcntl.h>
    #include <stdio.h>
    #include <string.h>
    #include <sys/stat.h>
    #include <unistd.h>
    int main(void) {
      int fd = open("/data/f.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) { perror("open"); return 1; }
      write(fd, "hello world", 11);
      off_t end = lseek(fd, 0, SEEK_CUR);                      /* fd_tell / fd_seek */
      char buf[6] = {0};
      pread(fd, buf, 5, 6);                                    /* fd_pread */
      pwrite(fd, "HELLO", 5, 0);                               /* fd_pwrite */
      struct stat st;
      fstat(fd, &st);                                          /* fd_filestat_get */
      ftruncate(fd, 8);                                        /* fd_filestat_set_size */
      struct stat st2;
      fstat(fd, &st2);
      int synced = fsync(fd) == 0 && fdatasync(fd) == 0;      /* fd_sync, fd_datasync */
      int advised = posix_fadvise(fd, 0, 8, POSIX_FADV_SEQUENTIAL) == 0;  /* fd_advise */
      close(fd);
      int afd = open("/data/f.txt", O_WRONLY | O_APPEND);     /* fdflags append */
      write(afd, "!", 1);
      close(afd);
      printf("end=%lld pread=%s size=%lld truncated=%lld synced=%d advised=%d regular=%d\n",
             (long long)end, buf, (long long)st.st_size, (long long)st2.st_size, synced, advised,
             S_ISREG(st.st_mode));
      return 0;
    })c"));
  auto ran = run_command(*module, with_dir(dir.path()));
  CHECK(ran.err == "");
  CHECK(ran.out == "end=11 pread=world size=11 truncated=8 synced=1 advised=1 regular=1\n");
  CHECK(*read_text_file(dir.path() / "f.txt") == "HELLO wo!");
}

TEST_CASE("wasi groups: paths - mkdir, readdir, rename, link, symlink, readlink, unlink, rmdir") {
  TempDir dir;
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <dirent.h>
    #include <fcntl.h>
    #include <stdio.h>
    #include <string.h>
    #include <sys/stat.h>
    #include <unistd.h>
    int main(void) {
      if (mkdir("/data/d", 0755) != 0) { perror("mkdir"); return 1; }
      int fd = open("/data/d/a", O_WRONLY | O_CREAT, 0644);
      write(fd, "A", 1);
      close(fd);
      if (rename("/data/d/a", "/data/d/b") != 0) { perror("rename"); return 1; }
      if (link("/data/d/b", "/data/d/c") != 0) { perror("link"); return 1; }
      if (symlink("b", "/data/d/s") != 0) { perror("symlink"); return 1; }
      char target[16] = {0};
      readlink("/data/d/s", target, sizeof target - 1);
      struct stat st;
      lstat("/data/d/s", &st);
      int is_link = S_ISLNK(st.st_mode);
      int entries = 0;
      DIR* d = opendir("/data/d");
      for (struct dirent* e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) ++entries;
      closedir(d);
      unlink("/data/d/s");
      unlink("/data/d/c");
      unlink("/data/d/b");
      int removed = rmdir("/data/d") == 0;
      printf("readlink=%s is_link=%d entries=%d removed=%d\n", target, is_link, entries, removed);
      return 0;
    })c"));
  auto ran = run_command(*module, with_dir(dir.path()));
  CHECK(ran.err == "");
  CHECK(ran.out == "readlink=b is_link=1 entries=3 removed=1\n");
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("wasi groups: escapes and read-only folders are refused through the engine") {
  TempDir outer;
  REQUIRE(write_file_atomic(outer.path() / "secret.txt", std::string_view("secret")).ok());
  fs::create_directories(outer.path() / "box");
  fs::create_symlink(outer.path() / "secret.txt", outer.path() / "box" / "link");
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <errno.h>
    #include <fcntl.h>
    #include <stdio.h>
    #include <unistd.h>
    static void try_open(const char* path, int flags) {
      int fd = open(path, flags, 0644);
      printf("%s:%s\n", path, fd >= 0 ? "OPENED" : (errno == ENOTCAPABLE ? "notcapable" : "refused"));
      if (fd >= 0) close(fd);
    }
    int main(void) {
      try_open("/data/../secret.txt", O_RDONLY);
      try_open("/data/link", O_RDONLY);
      try_open("/etc/passwd", O_RDONLY);
      try_open("/data/new.txt", O_WRONLY | O_CREAT);
      return 0;
    })c"));
  auto config = with_dir(outer.path() / "box", /*writable=*/false);
  auto ran = run_command(*module, config);
  CHECK(ran.out ==
        "/data/../secret.txt:notcapable\n/data/link:notcapable\n/etc/passwd:notcapable\n"
        "/data/new.txt:notcapable\n");
  CHECK_FALSE(fs::exists(outer.path() / "box" / "new.txt"));
}

TEST_CASE("wasi groups: sockets are not supported, proc_raise is not implemented (WAT)") {
  auto engine = test_engine();
  auto module = load(*engine, test::wat(R"((module
    (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      ;; exit code = sock_shutdown's errno * 100 + proc_raise's errno
      (call $exit (i32.add (i32.mul (call $shutdown (i32.const 3) (i32.const 0)) (i32.const 100))
                           (call $raise (i32.const 6))))))
  )"));
  wasi::WasiConfig config;
  config.args = {"t.wasm"};
  auto ran = run_command(*module, config);
  REQUIRE(ran.outcome.status == RunOutcome::Status::Exited);
  CHECK(ran.outcome.exit_code == 58 * 100 + 52);  // ENOTSUP, ENOSYS
}

}  // namespace
}  // namespace edgectl::runtime
