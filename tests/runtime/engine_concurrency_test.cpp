// One Module, many threads: 8 threads each make 1,000 instances with a mix of normal
// returns, guest exits, traps and timeouts; every outcome must be the expected one. In the
// "slow" suite (ctest -L slow): it takes a few seconds.
#include <atomic>
#include <chrono>
#include <thread>

#include "engine_support.hpp"

namespace edgectl::runtime {
namespace {

using namespace std::chrono_literals;

constexpr int kThreads = 8;
constexpr int kInstancesPerThread = 1000;
constexpr int kTimeoutEvery = 50;  // 20 timeouts of 5 ms per thread: ~0.1 s each

constexpr std::string_view kMixed = R"((module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "work") (param $mode i32) (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (if (i32.eq (local.get $mode) (i32.const 1)) (then (call $exit (local.get $n))))
    (if (i32.eq (local.get $mode) (i32.const 2)) (then (drop (i32.load (i32.const 70000)))))
    (if (i32.eq (local.get $mode) (i32.const 3)) (then (loop $spin (br $spin))))
    (if (i32.eq (local.get $mode) (i32.const 4)) (then (drop (i32.div_u (local.get $n) (i32.const 0)))))
    ;; mode 0: sum 0..n-1, written to memory and read back
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $sum (i32.add (local.get $sum) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.store (i32.const 0) (local.get $sum))
    (i32.load (i32.const 0))))
)";

TEST_SUITE("slow") {
  TEST_CASE("concurrency: 8 threads x 1000 instances of one module with every outcome as expected") {
    auto engine = test::test_engine();
    const Bytes bytes = test::wat(kMixed);
    auto shared = test::load(*engine, bytes);
    std::atomic<int> wrong{0}, returned{0}, exited{0}, trapped{0}, timeouts{0};
    std::atomic<bool> same_module{true};
    std::vector<std::string> first_failure(kThreads);

    auto worker = [&](int t) {
      // Each thread loads too: the cache must hand every thread the same Module.
      auto module = engine->load(bytes, {});
      if (!module.ok() || module->get() != shared.get()) same_module = false;
      // The spinning instances get 5 ms; the others a deadline no preemption reaches (native
      // code is stopped by a wall-clock timer, and 8 busy threads share 2 cores here).
      Limits spin_limits = Limits::defaults(), limits = Limits::defaults();
      spin_limits.timeout = 5ms;
      limits.timeout = 10s;
      for (int i = 0; i < kInstancesPerThread; ++i) {
        const int mode = i % kTimeoutEvery == kTimeoutEvery - 1 ? 3 : i % 4 == 3 ? 4 : i % 4;
        const int32_t n = 100 + t * 10 + i % 7;
        auto fail = [&](std::string why) {
          if (wrong++ == 0 || first_failure[t].empty())
            first_failure[t] =
                "thread " + std::to_string(t) + " instance " + std::to_string(i) + ": " + why;
        };
        auto instance = shared->instantiate(nullptr, mode == 3 ? spin_limits : limits);
        if (!instance.ok()) {
          fail(instance.error().message());
          continue;
        }
        std::vector<Value> args{int32_t{mode}, n};
        auto o = (*instance)->invoke("work", args);
        if (!o.ok()) {
          fail(o.error().message());
          continue;
        }
        const std::string got =
            o->status == RunOutcome::Status::Returned ? "returned"
            : o->status == RunOutcome::Status::Exited ? "exited " + std::to_string(o->exit_code)
                                                      : "trapped: " + describe(*o->trap);
        switch (mode) {
          case 0:
            if (o->status != RunOutcome::Status::Returned ||
                std::get<int32_t>(o->results[0]) != n * (n - 1) / 2)
              fail("mode 0: got " + got);
            ++returned;
            break;
          case 1:
            if (o->status != RunOutcome::Status::Exited || o->exit_code != static_cast<uint32_t>(n))
              fail("mode 1: got " + got);
            ++exited;
            break;
          case 2:
            if (!o->trap || o->trap->kind != TrapKind::MemoryOutOfBounds) fail("mode 2: got " + got);
            ++trapped;
            break;
          case 3:
            if (!o->trap || o->trap->kind != TrapKind::Timeout) fail("mode 3: got " + got);
            ++timeouts;
            break;
          case 4:
            if (!o->trap || o->trap->kind != TrapKind::IntegerDivideByZero) fail("mode 4: got " + got);
            ++trapped;
            break;
        }
      }
    };

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
    for (auto& th : threads) th.join();

    for (const auto& f : first_failure) CHECK_MESSAGE(f.empty(), f);
    CHECK(wrong == 0);
    CHECK(same_module);
    CHECK(returned + exited + trapped + timeouts == kThreads * kInstancesPerThread);
    CHECK(timeouts == kThreads * (kInstancesPerThread / kTimeoutEvery));
    CHECK(exited > 0);
    CHECK(trapped > 0);
    // The threads' Stores are gone with them; this thread still runs the module.
    auto o = test::invoke_fresh(*shared, "work", {int32_t{0}, int32_t{10}});
    CHECK(std::get<int32_t>(o.results[0]) == 45);
  }
}

}  // namespace
}  // namespace edgectl::runtime
