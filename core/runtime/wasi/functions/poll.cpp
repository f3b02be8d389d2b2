// poll_oneoff: clock subscriptions (relative or absolute, on any WASI clock) and fd
// readiness. Regular files and in-memory stdio are always ready; inherited stdio is polled
// with ppoll(2). The wait ends at the earliest clock, a ready fd, or the ctx deadline,
// whichever comes first; at the deadline no events are returned and the call is marked so
// the engine can stop the guest.
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "runtime/wasi/detail/ctx.hpp"

namespace edgectl::runtime::wasi::detail {
namespace {

namespace rights = abi::rights;
using Clock = Ctx::Clock;

// Longer timeouts are cut to this, so deadlines stay far from time_point overflow; a guest
// waiting a year is waiting forever.
constexpr std::chrono::nanoseconds kMaxPollWait = std::chrono::hours(24 * 365);

struct Event {
  uint64_t userdata = 0;
  Errno error = Errno::Success;
  uint8_t type = abi::kEventtypeClock;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

struct PendingClock {
  uint64_t userdata = 0;
  Clock::time_point due;
};

// When a clock subscription fires, on the steady clock: a relative timeout counts from now
// (CPU-time clocks are approximated by wall time), an absolute one is converted through the
// subscription's own clock.
Errno clock_due(const Record<abi::kSubscriptionSize>& sub, Clock::time_point now,
                Clock::time_point* due) {
  const auto clock = host_clock(sub.get<uint32_t>(abi::kSubscriptionClockIdOffset));
  if (!clock) return Errno::Inval;
  uint64_t wait = sub.get<uint64_t>(abi::kSubscriptionClockTimeoutOffset);
  if (sub.get<uint16_t>(abi::kSubscriptionClockFlagsOffset) & abi::kSubscriptionClockAbstime) {
    struct timespec ts {};
    if (::clock_gettime(*clock, &ts) != 0) return last_host_error();
    const uint64_t current = to_nanos(ts);
    wait = wait > current ? wait - current : 0;
  }
  const auto capped = std::min<uint64_t>(wait, static_cast<uint64_t>(kMaxPollWait.count()));
  *due = now + std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(capped));
  return Errno::Success;
}

// Readiness of an fd that never blocks: regular files, folders and in-memory stdio.
Event ready_now(const Ctx& ctx, const FdEntry& e, uint8_t type, uint64_t userdata) {
  Event ev{userdata, Errno::Success, type, 0, 0};
  if (type != abi::kEventtypeFdRead) return ev;
  if (e.is_stdio()) {
    const size_t left =
        e.stdio == StdioMode::Buffer ? ctx.config.stdin_data.size() - e.stdin_offset : 0;
    ev.nbytes = left;
    if (left == 0) ev.flags = abi::kEventFdReadwriteHangup;  // end of input
    return ev;
  }
  struct stat st {};
  const off_t pos = ::lseek(e.io_fd(), 0, SEEK_CUR);
  if (::fstat(e.io_fd(), &st) == 0 && pos >= 0 && st.st_size > pos) {
    ev.nbytes = static_cast<uint64_t>(st.st_size - pos);
  }
  return ev;
}

Event host_fd_event(const struct pollfd& p, uint8_t type, uint64_t userdata) {
  Event ev{userdata, Errno::Success, type, 0, 0};
  if (p.revents & POLLNVAL) {
    ev.error = Errno::Badf;
    return ev;
  }
  if (p.revents & POLLHUP) ev.flags = abi::kEventFdReadwriteHangup;
  int available = 0;
  if (type == abi::kEventtypeFdRead && ::ioctl(p.fd, FIONREAD, &available) == 0 && available > 0) {
    ev.nbytes = static_cast<uint64_t>(available);
  }
  return ev;
}

}  // namespace

namespace handlers {

Outcome poll_oneoff(Ctx& ctx, const HostCall& call) {
  const uint32_t in = call.u32(0);
  const uint32_t out = call.u32(1);
  const uint32_t nsubscriptions = call.u32(2);
  const uint32_t nevents_ptr = call.u32(3);
  if (nsubscriptions == 0) return Errno::Inval;
  EDGECTL_WASI_TRY(call.mem.check(in, uint64_t{nsubscriptions} * abi::kSubscriptionSize));
  EDGECTL_WASI_TRY(call.mem.check(out, uint64_t{nsubscriptions} * abi::kEventSize));
  EDGECTL_WASI_TRY(call.mem.check(nevents_ptr, sizeof(uint32_t)));

  std::vector<Event> events;
  std::vector<PendingClock> clocks;
  std::vector<struct pollfd> host_fds;
  std::vector<Event> host_fd_subs;  // the event each entry of host_fds would produce
  const auto start = Clock::now();
  for (uint32_t i = 0; i < nsubscriptions; ++i) {
    Record<abi::kSubscriptionSize> sub;
    std::memcpy(sub.bytes.data(), call.mem.at(in + i * abi::kSubscriptionSize),
                abi::kSubscriptionSize);
    const auto userdata = sub.get<uint64_t>(abi::kSubscriptionUserdataOffset);
    const auto type = sub.get<uint8_t>(abi::kSubscriptionTagOffset);
    if (type == abi::kEventtypeClock) {
      PendingClock c{userdata, {}};
      if (Errno err = clock_due(sub, start, &c.due); err != Errno::Success) {
        events.push_back({userdata, err, type, 0, 0});
      } else {
        clocks.push_back(c);
      }
      continue;
    }
    if (type != abi::kEventtypeFdRead && type != abi::kEventtypeFdWrite) return Errno::Inval;
    const uint64_t needed = rights::kPollFdReadwrite |
                            (type == abi::kEventtypeFdRead ? rights::kFdRead : rights::kFdWrite);
    FdEntry* e = nullptr;
    if (Errno err = ctx.lookup(sub.get<uint32_t>(abi::kSubscriptionFdOffset), needed, &e);
        err != Errno::Success) {
      events.push_back({userdata, err, type, 0, 0});
    } else if (e->inherits_host()) {
      host_fds.push_back(
          {e->io_fd(), static_cast<short>(type == abi::kEventtypeFdRead ? POLLIN : POLLOUT), 0});
      host_fd_subs.push_back({userdata, Errno::Success, type, 0, 0});
    } else {
      events.push_back(ready_now(ctx, *e, type, userdata));
    }
  }

  auto take_due_clocks = [&](Clock::time_point now) {
    std::erase_if(clocks, [&](const PendingClock& c) {
      if (c.due > now) return false;
      events.push_back({c.userdata, Errno::Success, abi::kEventtypeClock, 0, 0});
      return true;
    });
  };
  Outcome outcome(Errno::Success);
  for (;;) {
    auto now = Clock::now();
    take_due_clocks(now);
    // How long to wait: not at all when something is ready, else until the first clock,
    // never past the deadline; nullopt waits for a host fd alone.
    std::optional<std::chrono::nanoseconds> wait;
    if (!events.empty()) wait = std::chrono::nanoseconds::zero();
    for (const auto& c : clocks) {
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(c.due - now);
      if (!wait || left < *wait) wait = left;
    }
    if (const auto left = time_to_deadline(ctx); left && (!wait || *left < *wait)) wait = left;
    if (!wait && host_fds.empty()) break;  // nothing could ever happen (not reachable)

    const struct timespec ts =
        from_nanos(wait ? static_cast<uint64_t>(std::max(wait->count(), int64_t{0})) : 0);
    const int r = ::ppoll(host_fds.empty() ? nullptr : host_fds.data(), host_fds.size(),
                          wait ? &ts : nullptr, nullptr);
    if (r < 0 && errno != EINTR) return last_host_error();
    for (size_t i = 0; r > 0 && i < host_fds.size(); ++i) {
      if (host_fds[i].revents != 0)
        events.push_back(
            host_fd_event(host_fds[i], host_fd_subs[i].type, host_fd_subs[i].userdata));
    }
    now = Clock::now();
    take_due_clocks(now);
    if (!events.empty()) break;
    if (ctx.deadline && now >= *ctx.deadline) {
      outcome.deadline_exceeded = true;
      break;
    }
  }

  for (size_t i = 0; i < events.size(); ++i) {
    const Event& ev = events[i];
    Record<abi::kEventSize> r;
    r.put(abi::kEventUserdataOffset, ev.userdata);
    r.put(abi::kEventErrorOffset, static_cast<uint16_t>(ev.error));
    r.put(abi::kEventTypeOffset, ev.type);
    r.put(abi::kEventNbytesOffset, ev.nbytes);
    r.put(abi::kEventFlagsOffset, ev.flags);
    std::memcpy(call.mem.at(static_cast<uint32_t>(out + i * abi::kEventSize)), r.bytes.data(),
                abi::kEventSize);
  }
  EDGECTL_WASI_TRY(call.mem.store(nevents_ptr, static_cast<uint32_t>(events.size())));
  return outcome;
}

}  // namespace handlers
}  // namespace edgectl::runtime::wasi::detail
