// poll_oneoff: clocks (relative, absolute, several), fd readiness, the deadline.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "util/fs.hpp"
#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

EDGECTL_WASI_COVERS("poll_oneoff");

namespace {

constexpr uint8_t kEventClock = 0, kEventFdRead = 1, kEventFdWrite = 2;
constexpr uint16_t kAbstime = 1;
constexpr uint64_t kMs = 1'000'000;

void clock_sub(Guest& g, uint32_t at, uint64_t userdata, uint32_t clock, uint64_t timeout,
               uint16_t flags = 0) {
  std::memset(g.mem.data() + at, 0, kSubscriptionSize);
  g.store<uint64_t>(at, userdata);
  g.mem[at + 8] = kEventClock;
  g.store<uint32_t>(at + 16, clock);
  g.store<uint64_t>(at + 24, timeout);
  g.store<uint16_t>(at + 40, flags);
}

void fd_sub(Guest& g, uint32_t at, uint64_t userdata, uint8_t type, uint32_t fd) {
  std::memset(g.mem.data() + at, 0, kSubscriptionSize);
  g.store<uint64_t>(at, userdata);
  g.mem[at + 8] = type;
  g.store<uint32_t>(at + 16, fd);
}

struct Event {
  uint64_t userdata;
  uint16_t error;
  uint8_t type;
  uint64_t nbytes;
  uint16_t flags;
};

std::vector<Event> events(const Guest& g, uint32_t out) {
  std::vector<Event> evs;
  for (uint32_t i = 0; i < g.load<uint32_t>(kOut); ++i) {
    const uint32_t e = out + i * kEventSize;
    evs.push_back({g.load<uint64_t>(e), g.load<uint16_t>(e + 8), g.mem[e + 10],
                   g.load<uint64_t>(e + 16), g.load<uint16_t>(e + 24)});
  }
  return evs;
}

}  // namespace

TEST_CASE("wasi: poll_oneoff with no subscriptions is Inval") {
  Guest g(Guest::buffered());
  CHECK(g.call("poll_oneoff", {1024, 2048, 0, kOut}) == Errno::Inval);
}

TEST_CASE("wasi: poll_oneoff sleeps on a relative clock") {
  Guest g(Guest::buffered());
  const uint32_t in = g.alloc(kSubscriptionSize), out = g.alloc(kEventSize);
  clock_sub(g, in, 0xC0FFEE, kClockMonotonic, 10 * kMs);
  const auto start = Steady::now();
  REQUIRE(g.call("poll_oneoff", {in, out, 1, kOut}) == Errno::Success);
  const auto took = Steady::now() - start;
  CHECK(took >= 10ms);
  CHECK(took < 500ms);
  const auto evs = events(g, out);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].userdata == 0xC0FFEE);
  CHECK(evs[0].type == kEventClock);
  CHECK(evs[0].error == 0);
}

TEST_CASE("wasi: poll_oneoff sleeps until an absolute time of the subscription's clock") {
  Guest g(Guest::buffered());
  const uint32_t in = g.alloc(kSubscriptionSize), out = g.alloc(kEventSize);
  REQUIRE(g.call("clock_time_get", {kClockRealtime, 0, kOut2}) == Errno::Success);
  clock_sub(g, in, 1, kClockRealtime, g.load<uint64_t>(kOut2) + 10 * kMs, kAbstime);
  const auto start = Steady::now();
  REQUIRE(g.call("poll_oneoff", {in, out, 1, kOut}) == Errno::Success);
  CHECK(Steady::now() - start >= 8ms);  // realtime and steady clocks may differ by a tick
  CHECK(events(g, out).size() == 1);
  // An absolute time in the past fires at once.
  clock_sub(g, in, 2, kClockMonotonic, 1, kAbstime);
  REQUIRE(g.call("poll_oneoff", {in, out, 1, kOut}) == Errno::Success);
  CHECK(events(g, out).size() == 1);
}

TEST_CASE("wasi: poll_oneoff returns at the earliest of several clocks") {
  Guest g(Guest::buffered());
  const uint32_t in = g.alloc(3 * kSubscriptionSize), out = g.alloc(3 * kEventSize);
  clock_sub(g, in, 1, kClockMonotonic, 10'000 * kMs);
  clock_sub(g, in + kSubscriptionSize, 2, kClockMonotonic, 5 * kMs);
  clock_sub(g, in + 2 * kSubscriptionSize, 3, 42, 0);  // no such clock: an error event
  const auto start = Steady::now();
  REQUIRE(g.call("poll_oneoff", {in, out, 3, kOut}) == Errno::Success);
  CHECK(Steady::now() - start < 1s);
  const auto evs = events(g, out);
  REQUIRE(evs.size() == 1);  // the bad clock is reported at once, without waiting
  CHECK(evs[0].userdata == 3);
  CHECK(evs[0].error == static_cast<uint16_t>(Errno::Inval));
  // Without the bad one, the 5 ms clock fires alone.
  REQUIRE(g.call("poll_oneoff", {in, out, 2, kOut}) == Errno::Success);
  const auto evs2 = events(g, out);
  REQUIRE(evs2.size() == 1);
  CHECK(evs2[0].userdata == 2);
}

TEST_CASE("wasi: poll_oneoff never sleeps past the deadline") {
  Guest g(Guest::buffered());
  const uint32_t in = g.alloc(kSubscriptionSize), out = g.alloc(kEventSize);
  clock_sub(g, in, 1, kClockMonotonic, 10'000 * kMs);
  g.ctx->set_deadline(Steady::now() + 20ms);
  const auto start = Steady::now();
  const auto r = g.raw("poll_oneoff", {in, out, 1, kOut});
  const auto took = Steady::now() - start;
  CHECK(took >= 19ms);
  CHECK(took < 1s);
  CHECK(r.deadline_exceeded);
  CHECK(r.errno_value == 0);
  CHECK(g.load<uint32_t>(kOut) == 0);
  // Once passed, a poll returns at once; a clock that is due still fires.
  const auto r2 = g.raw("poll_oneoff", {in, out, 1, kOut});
  CHECK(r2.deadline_exceeded);
  clock_sub(g, in, 1, kClockMonotonic, 0);
  const auto r3 = g.raw("poll_oneoff", {in, out, 1, kOut});
  CHECK_FALSE(r3.deadline_exceeded);
  CHECK(g.load<uint32_t>(kOut) == 1);
  g.ctx->set_deadline(std::nullopt);
}

TEST_CASE("wasi: in-memory stdio and regular files are always ready") {
  edgectl::TempDir dir;
  WasiConfig c = Guest::buffered();
  c.stdin_data = "12345";
  c.preopens.push_back(Preopen{dir.path(), "/", true});
  Guest g(std::move(c));
  const uint32_t file = g.open_rw(3, "f");
  REQUIRE(g.write(file, "abcdef") == Errno::Success);
  REQUIRE(g.call("fd_seek", {file, 2, kWhenceSet, kOut}) == Errno::Success);
  const uint32_t in = g.alloc(6 * kSubscriptionSize), out = g.alloc(6 * kEventSize);
  fd_sub(g, in, 10, kEventFdRead, kStdin);
  fd_sub(g, in + kSubscriptionSize, 11, kEventFdWrite, kStdout);
  fd_sub(g, in + 2 * kSubscriptionSize, 12, kEventFdRead, file);
  fd_sub(g, in + 3 * kSubscriptionSize, 13, kEventFdRead, 99);       // not open
  fd_sub(g, in + 4 * kSubscriptionSize, 14, kEventFdWrite, kStdin);  // wrong direction
  clock_sub(g, in + 5 * kSubscriptionSize, 15, kClockMonotonic, 10'000 * kMs);
  const auto start = Steady::now();
  REQUIRE(g.call("poll_oneoff", {in, out, 6, kOut}) == Errno::Success);
  CHECK(Steady::now() - start < 1s);
  const auto evs = events(g, out);
  REQUIRE(evs.size() == 5);  // all but the clock
  CHECK(evs[0].userdata == 10);
  CHECK(evs[0].type == kEventFdRead);
  CHECK(evs[0].nbytes == 5);
  CHECK(evs[1].type == kEventFdWrite);
  CHECK(evs[1].error == 0);
  CHECK(evs[2].nbytes == 4);  // bytes after the offset
  CHECK(evs[3].error == static_cast<uint16_t>(Errno::Badf));
  CHECK(evs[4].error == static_cast<uint16_t>(Errno::Notcapable));
  // At end of input, stdin reports hang-up.
  CHECK(g.read(kStdin, 10) == "12345");
  REQUIRE(g.call("poll_oneoff", {in, out, 1, kOut}) == Errno::Success);
  CHECK(events(g, out)[0].flags == 1);
}

TEST_CASE("wasi: inherited stdin is polled for real") {
  WasiConfig c;
  c.stdin_mode = StdioMode::Inherit;
  Guest g(std::move(c));
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  const int saved = ::dup(STDIN_FILENO);
  REQUIRE(::dup2(fds[0], STDIN_FILENO) == STDIN_FILENO);
  const uint32_t in = g.alloc(2 * kSubscriptionSize), out = g.alloc(2 * kEventSize);
  fd_sub(g, in, 1, kEventFdRead, kStdin);
  clock_sub(g, in + kSubscriptionSize, 2, kClockMonotonic, 10 * kMs);
  const auto r1 = g.call("poll_oneoff", {in, out, 2, kOut});
  const auto first = events(g, out);
  REQUIRE(::write(fds[1], "hi", 2) == 2);
  const auto r2 = g.call("poll_oneoff", {in, out, 2, kOut});
  const auto second = events(g, out);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ::close(fds[0]);
  ::close(fds[1]);
  REQUIRE(r1 == Errno::Success);
  REQUIRE(first.size() == 1);
  CHECK(first[0].userdata == 2);  // nothing to read: the clock fired
  REQUIRE(r2 == Errno::Success);
  REQUIRE(second.size() == 1);
  CHECK(second[0].userdata == 1);
  CHECK(second[0].nbytes == 2);
}

TEST_CASE("wasi: poll_oneoff checks its arrays against memory and its tags") {
  Guest g(Guest::buffered());
  const auto end = static_cast<uint32_t>(g.mem.size());
  const uint32_t in = g.alloc(kSubscriptionSize), out = g.alloc(kEventSize);
  clock_sub(g, in, 1, kClockMonotonic, 0);
  CHECK(g.call("poll_oneoff", {end - 40, out, 1, kOut}) == Errno::Fault);
  CHECK(g.call("poll_oneoff", {in, end - 16, 1, kOut}) == Errno::Fault);
  CHECK(g.call("poll_oneoff", {in, out, 1, kBadPtr}) == Errno::Fault);
  CHECK(g.call("poll_oneoff", {in, out, 0x05555556, kOut}) ==
        Errno::Fault);  // n * 48 wraps in 32 bits
  g.mem[in + 8] = 3;    // no such event type
  CHECK(g.call("poll_oneoff", {in, out, 1, kOut}) == Errno::Inval);
}
