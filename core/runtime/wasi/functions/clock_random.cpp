// clock_res_get, clock_time_get, random_get, sched_yield.
#include <sched.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>

#include "runtime/wasi/detail/ctx.hpp"

namespace edgectl::runtime::wasi::detail {
namespace {

// getrandom(2) returns at most 32 MiB per call from the urandom pool; ask for no more.
constexpr uint32_t kGetrandomChunk = 32u << 20;

}  // namespace

namespace handlers {

Outcome clock_res_get(Ctx&, const HostCall& call) {
  const auto clock = host_clock(call.u32(0));
  if (!clock) return Errno::Inval;
  const uint32_t result_ptr = call.u32(1);
  EDGECTL_WASI_TRY(call.mem.check(result_ptr, sizeof(uint64_t)));
  struct timespec ts {};
  if (::clock_getres(*clock, &ts) != 0) return last_host_error();
  // The spec requires a non-zero resolution for a supported clock.
  return call.mem.store(result_ptr, std::max<uint64_t>(to_nanos(ts), 1));
}

Outcome clock_time_get(Ctx&, const HostCall& call) {
  const auto clock = host_clock(call.u32(0));
  if (!clock) return Errno::Inval;
  // call.u64(1), the precision the guest accepts, is a hint: the host clock is always finer.
  const uint32_t result_ptr = call.u32(2);
  EDGECTL_WASI_TRY(call.mem.check(result_ptr, sizeof(uint64_t)));
  struct timespec ts {};
  if (::clock_gettime(*clock, &ts) != 0) return last_host_error();
  return call.mem.store(result_ptr, to_nanos(ts));
}

Outcome random_get(Ctx&, const HostCall& call) {
  const uint32_t buf = call.u32(0);
  const uint32_t len = call.u32(1);
  EDGECTL_WASI_TRY(call.mem.check(buf, len));
  uint32_t done = 0;
  while (done < len) {
    const size_t want = std::min(len - done, kGetrandomChunk);
    const ssize_t n = ::getrandom(call.mem.at(buf + done), want, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_host_error();
    }
    done += static_cast<uint32_t>(n);
  }
  return Errno::Success;
}

Outcome sched_yield(Ctx&, const HostCall&) {
  ::sched_yield();
  return Errno::Success;
}

}  // namespace handlers
}  // namespace edgectl::runtime::wasi::detail
