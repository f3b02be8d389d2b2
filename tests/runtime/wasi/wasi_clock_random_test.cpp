// clock_res_get, clock_time_get, random_get, sched_yield.
#include <time.h>

#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;

EDGECTL_WASI_COVERS("clock_res_get", "clock_time_get", "random_get", "sched_yield");

TEST_CASE("wasi: the four clocks have a resolution and a time") {
  Guest g(Guest::buffered());
  for (uint32_t id : {kClockRealtime, kClockMonotonic, kClockProcessCputime, kClockThreadCputime}) {
    CAPTURE(id);
    REQUIRE(g.call("clock_res_get", {id, kOut}) == Errno::Success);
    CHECK(g.load<uint64_t>(kOut) > 0);
    REQUIRE(g.call("clock_time_get", {id, 1, kOut}) == Errno::Success);
    CHECK(g.load<uint64_t>(kOut) > 0);
  }
  CHECK(g.call("clock_res_get", {4, kOut}) == Errno::Inval);
  CHECK(g.call("clock_time_get", {99, 0, kOut}) == Errno::Inval);
}

TEST_CASE("wasi: realtime is the Unix epoch clock and monotonic does not go back") {
  Guest g(Guest::buffered());
  REQUIRE(g.call("clock_time_get", {kClockRealtime, 0, kOut}) == Errno::Success);
  const auto wasi_now = g.load<uint64_t>(kOut);
  const auto host_now = static_cast<uint64_t>(::time(nullptr)) * 1'000'000'000ull;
  CHECK(wasi_now + 5'000'000'000ull > host_now);
  CHECK(wasi_now < host_now + 5'000'000'000ull);
  REQUIRE(g.call("clock_time_get", {kClockMonotonic, 0, kOut}) == Errno::Success);
  const auto a = g.load<uint64_t>(kOut);
  REQUIRE(g.call("clock_time_get", {kClockMonotonic, 0, kOut}) == Errno::Success);
  CHECK(g.load<uint64_t>(kOut) >= a);
}

TEST_CASE("wasi: clock results are written unaligned and checked against memory") {
  Guest g(Guest::buffered());
  const auto end = static_cast<uint32_t>(g.mem.size());
  CHECK(g.call("clock_time_get", {kClockMonotonic, 0, 1001}) == Errno::Success);  // odd address
  CHECK(g.call("clock_time_get", {kClockMonotonic, 0, end - 8}) == Errno::Success);
  CHECK(g.call("clock_time_get", {kClockMonotonic, 0, end - 7}) == Errno::Fault);
  CHECK(g.call("clock_res_get", {kClockRealtime, kBadPtr}) == Errno::Fault);
}

TEST_CASE("wasi: random_get fills exactly the buffer") {
  Guest g(Guest::buffered());
  const uint32_t buf = g.alloc(4096 + 16, 1);
  std::memset(g.mem.data() + buf, 0, 4096 + 16);
  REQUIRE(g.call("random_get", {buf + 8, 4096}) == Errno::Success);
  size_t nonzero = 0;
  for (uint32_t i = 0; i < 4096; ++i) nonzero += g.mem[buf + 8 + i] != 0;
  CHECK(nonzero > 3900);  // ~4080 expected
  for (uint32_t i = 0; i < 8; ++i) {
    CHECK(g.mem[buf + i] == 0);
    CHECK(g.mem[buf + 8 + 4096 + i] == 0);
  }
  CHECK(g.call("random_get", {buf, 0}) == Errno::Success);
  const auto end = static_cast<uint32_t>(g.mem.size());
  CHECK(g.call("random_get", {end - 10, 11}) == Errno::Fault);
  CHECK(g.call("random_get", {16, 0xFFFFFFF8}) == Errno::Fault);  // 16 + len wraps in 32 bits
}

TEST_CASE("wasi: sched_yield succeeds") {
  Guest g(Guest::buffered());
  CHECK(g.call("sched_yield", {}) == Errno::Success);
}
