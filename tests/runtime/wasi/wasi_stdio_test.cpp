// fd_read/fd_write on stdio in each StdioMode, and the captured-output cap.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;

EDGECTL_WASI_COVERS("fd_write", "fd_read", "fd_fdstat_get");

namespace {

// Points the process's own fd `target` at a pipe for the lifetime of the object.
class Redirect {
 public:
  explicit Redirect(int target) : target_(target) {
    REQUIRE(::pipe2(pipe_, O_CLOEXEC) == 0);
    std::cout.flush();
    std::fflush(nullptr);
    saved_ = ::dup(target);
    REQUIRE(::dup2(target == STDIN_FILENO ? pipe_[0] : pipe_[1], target) == target);
  }
  ~Redirect() {
    ::dup2(saved_, target_);
    ::close(saved_);
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  int read_end() const { return pipe_[0]; }
  int write_end() const { return pipe_[1]; }

 private:
  int target_;
  int saved_ = -1;
  int pipe_[2] = {-1, -1};
};

}  // namespace

TEST_CASE("wasi: Buffer stdout and stderr are captured, gathered from several iovecs") {
  std::vector<std::pair<int, std::string>> seen;
  WasiConfig c = Guest::buffered();
  c.on_output = [&](int fd, std::string_view chunk) { seen.emplace_back(fd, std::string(chunk)); };
  Guest g(std::move(c));
  const uint32_t a = g.put("Status: 200\r\n");
  const uint32_t b = g.put("\r\nhello");
  const uint32_t iov = g.iovecs({{a, 13}, {b, 0}, {b, 7}});
  REQUIRE(g.call("fd_write", {kStdout, iov, 3, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 20);
  uint32_t n = 0;
  REQUIRE(g.write(kStderr, "oops", &n) == Errno::Success);
  CHECK(n == 4);
  CHECK(g.ctx->captured_stdout() == "Status: 200\r\n\r\nhello");
  CHECK(g.ctx->captured_stderr() == "oops");
  CHECK_FALSE(g.ctx->output_truncated());
  REQUIRE(seen.size() == 2);  // one callback per write
  CHECK(seen[0] == std::pair<int, std::string>{1, "Status: 200\r\n\r\nhello"});
  CHECK(seen[1] == std::pair<int, std::string>{2, "oops"});
}

TEST_CASE(
    "wasi: captured output stops at the cap, is marked truncated, and still reports success") {
  std::string streamed;
  WasiConfig c = Guest::buffered();
  c.max_captured_output = 10;
  c.on_output = [&](int, std::string_view chunk) { streamed += chunk; };
  Guest g(std::move(c));
  uint32_t n = 0;
  REQUIRE(g.write(kStdout, "12345678", &n) == Errno::Success);
  CHECK_FALSE(g.ctx->output_truncated());
  REQUIRE(g.write(kStdout, "abcdef", &n) == Errno::Success);
  CHECK(n == 6);
  CHECK(g.ctx->captured_stdout() == "12345678ab");
  CHECK(g.ctx->output_truncated());
  CHECK(streamed == "12345678abcdef");                            // the callback sees everything
  REQUIRE(g.write(kStderr, "0123456789", &n) == Errno::Success);  // the cap is per stream
  CHECK(g.ctx->captured_stderr() == "0123456789");
}

TEST_CASE("wasi: Buffer stdin reads stdin_data in pieces, then end of input") {
  WasiConfig c = Guest::buffered();
  c.stdin_data = "request body";
  Guest g(std::move(c));
  CHECK(g.read(kStdin, 7) == "request");
  // A scatter read across two buffers.
  const uint32_t b1 = g.alloc(2, 1);
  const uint32_t b2 = g.alloc(10, 1);
  const uint32_t iov = g.iovecs({{b1, 2}, {b2, 10}});
  REQUIRE(g.call("fd_read", {kStdin, iov, 2, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 5);
  CHECK(g.text(b1, 2) + g.text(b2, 3) == " body");
  CHECK(g.read(kStdin, 7).empty());
}

TEST_CASE("wasi: Null stdio reads nothing and discards writes") {
  WasiConfig c;
  c.stdin_mode = StdioMode::Null;
  c.stdout_mode = StdioMode::Null;
  c.stderr_mode = StdioMode::Null;
  Guest g(std::move(c));
  CHECK(g.read(kStdin, 16).empty());
  uint32_t n = 0;
  REQUIRE(g.write(kStdout, "gone", &n) == Errno::Success);
  CHECK(n == 4);
  CHECK(g.ctx->captured_stdout().empty());
  REQUIRE(g.call("fd_fdstat_get", {kStdout, kOut}) == Errno::Success);
  CHECK(g.mem[kOut] == kFiletypeCharacterDevice);
}

TEST_CASE("wasi: stdio fdstat shows a stream: readable or writable, never seekable") {
  Guest g(Guest::buffered());
  const uint32_t st = g.alloc(kFdstatSize);
  REQUIRE(g.call("fd_fdstat_get", {kStdin, st}) == Errno::Success);
  CHECK(g.mem[st] == kFiletypeUnknown);
  auto base = g.load<uint64_t>(st + 8);
  CHECK((base & kRightFdRead) != 0);
  CHECK((base & (kRightFdWrite | kRightFdSeek | kRightFdTell)) == 0);
  REQUIRE(g.call("fd_fdstat_get", {kStderr, st}) == Errno::Success);
  base = g.load<uint64_t>(st + 8);
  CHECK((base & kRightFdWrite) != 0);
  CHECK((base & (kRightFdRead | kRightFdSeek)) == 0);
  CHECK(g.load<uint64_t>(st + 16) == 0);
  // Wrong direction or a missing right: Notcapable.
  CHECK(g.write(kStdin, "x") == Errno::Notcapable);
  CHECK(g.call("fd_read", {kStdout, g.iovecs({{kOut, 1}}), 1, kOut}) == Errno::Notcapable);
  CHECK(g.call("fd_seek", {kStdout, 0, kWhenceSet, kOut}) == Errno::Notcapable);
  CHECK(g.call("fd_fdstat_get", {kBadPtr, st}) == Errno::Badf);
  CHECK(g.call("fd_fdstat_get", {kStdin, kBadPtr}) == Errno::Fault);
}

TEST_CASE("wasi: Inherit stdout writes to the process's real fd 1, stdin reads fd 0") {
  WasiConfig c;
  c.stdin_mode = StdioMode::Inherit;
  c.stdout_mode = StdioMode::Inherit;
  c.stderr_mode = StdioMode::Null;
  Guest g(std::move(c));
  std::string got(32, '\0');
  ssize_t n = 0;
  {
    Redirect out(STDOUT_FILENO);
    uint32_t written = 0;
    REQUIRE(g.write(kStdout, "to the real stdout", &written) == Errno::Success);
    CHECK(written == 18);
    n = ::read(out.read_end(), got.data(), got.size());
  }
  CHECK(got.substr(0, static_cast<size_t>(std::max<ssize_t>(n, 0))) == "to the real stdout");
  CHECK(g.ctx->captured_stdout().empty());
  {
    Redirect in(STDIN_FILENO);
    REQUIRE(::write(in.write_end(), "typed", 5) == 5);
    CHECK(g.read(kStdin, 16) == "typed");
  }
}

TEST_CASE("wasi: a read of inherited stdin stops at the deadline") {
  WasiConfig c;
  c.stdin_mode = StdioMode::Inherit;
  Guest g(std::move(c));
  Redirect in(STDIN_FILENO);  // a pipe nobody writes to
  g.ctx->set_deadline(std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
  const auto start = std::chrono::steady_clock::now();
  const auto r = g.raw("fd_read", {kStdin, g.iovecs({{g.alloc(8), 8}}), 1, kOut});
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  CHECK(r.deadline_exceeded);
  CHECK(static_cast<Errno>(r.errno_value) == Errno::Again);
}

TEST_CASE("wasi: fd_read and fd_write check every iovec and the result pointer") {
  WasiConfig c = Guest::buffered();
  c.stdin_data = "data";
  Guest g(std::move(c));
  const auto end = static_cast<uint32_t>(g.mem.size());
  const uint32_t ok = g.put("text");
  CHECK(g.call("fd_write", {kStdout, g.iovecs({{ok, 4}, {end - 2, 3}}), 2, kOut}) == Errno::Fault);
  CHECK(g.call("fd_write", {kStdout, g.iovecs({{0xFFFFFFFF, 2}}), 1, kOut}) == Errno::Fault);
  CHECK(g.call("fd_write", {kStdout, end - 4, 1, kOut}) == Errno::Fault);     // the iovec itself
  CHECK(g.call("fd_write", {kStdout, 8, 0x20000000, kOut}) == Errno::Fault);  // count * 8 wraps
  CHECK(g.call("fd_write", {kStdout, g.iovecs({{ok, 4}}), 1, kBadPtr}) == Errno::Fault);
  CHECK(g.ctx->captured_stdout().empty());  // nothing written by a faulting call
  CHECK(g.call("fd_read", {kStdin, g.iovecs({{ok, 4}}), 1, end - 3}) == Errno::Fault);
  CHECK(g.read(kStdin, 8) == "data");  // nothing consumed by the faulting read
  CHECK(g.call("fd_write", {kStdout, 0, 0, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 0);
  CHECK(g.call("fd_write", {77, 0, 0, kOut}) == Errno::Badf);
  CHECK(g.call("fd_read", {0xFFFFFFFF, 0, 0, kOut}) == Errno::Badf);
}
