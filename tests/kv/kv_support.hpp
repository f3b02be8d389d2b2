#pragma once
// The behaviour every key-value backend shares (kv.hpp), checked the same way on each:
// kv_test.cpp runs it on memory and SQLite, redis_test.cpp on a Redis it starts.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "kv/kv.hpp"

namespace edgectl::kv::test {

// Every operation once, on a store with none of these keys. Leaves "hits" unset and "c" at
// "second" (the SQLite test reopens the file and looks).
inline void exercise(Store& s) {
  CHECK_FALSE(s.get("a")->has_value());
  CHECK_FALSE(*s.exists("a"));
  REQUIRE(s.set("a", std::string("1\0x", 3)).ok());
  CHECK(**s.get("a") == std::string("1\0x", 3));
  CHECK(*s.exists("a"));
  REQUIRE(s.set("a", "2").ok());
  CHECK(**s.get("a") == "2");
  REQUIRE(s.set("empty", std::string_view()).ok());  // an empty value is a value
  CHECK(*s.exists("empty"));
  CHECK(**s.get("empty") == "");
  REQUIRE(s.remove("empty").ok());
  REQUIRE(s.remove("a").ok());
  REQUIRE(s.remove("a").ok());  // absent is fine
  CHECK_FALSE(s.get("a")->has_value());

  for (const char* k : {"user:3", "user:1", "user:2", "users", "item:1"}) REQUIRE(s.set(k, "v").ok());
  CHECK(*s.keys("user:", 0, 10) == std::vector<std::string>{"user:1", "user:2", "user:3"});
  CHECK(*s.keys("user:", 1, 1) == std::vector<std::string>{"user:2"});
  CHECK(s.keys("user:", 3, 10)->empty());
  CHECK(s.keys("", 0, 100)->size() == 5);

  CHECK(**s.increment("n", 5) == 5);
  CHECK(**s.increment("n", -7) == -2);
  CHECK(**s.get("n") == "-2");
  REQUIRE(s.set("text", "abc").ok());
  CHECK_FALSE(s.increment("text", 1)->has_value());
  CHECK(**s.get("text") == "abc");
  REQUIRE(s.set("big", "9223372036854775807").ok());
  CHECK_FALSE(s.increment("big", 1)->has_value());

  CHECK(*s.compare_and_swap("c", std::nullopt, "first"));
  CHECK_FALSE(*s.compare_and_swap("c", std::nullopt, "again"));
  CHECK_FALSE(*s.compare_and_swap("c", std::string_view("wrong"), "x"));
  CHECK(*s.compare_and_swap("c", std::string_view("first"), "second"));
  CHECK(**s.get("c") == "second");
}

// 8 threads × 250 increments of "hits": exactly 2000.
inline void concurrent_counter(Store& s) {
  constexpr int kThreads = 8, kEach = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) REQUIRE(s.increment("hits", 1)->has_value());
    });
  for (auto& t : threads) t.join();
  CHECK(**s.get("hits") == std::to_string(kThreads * kEach));
}

// A counter kept with compare-and-swap only (read, add one, swap; again on a conflict):
// no update is lost however the threads interleave.
inline void concurrent_compare_and_swap(Store& s, int threads_count = 8) {
  constexpr int kEach = 50;
  REQUIRE(s.set("cas", "0").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_count; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i)
        for (;;) {
          auto now = s.get("cas");
          REQUIRE(now.ok());
          REQUIRE(now->has_value());
          const std::string next = std::to_string(std::stoi(**now) + 1);
          auto swapped = s.compare_and_swap("cas", std::string_view(**now), next);
          REQUIRE(swapped.ok());
          if (*swapped) break;
        }
    });
  for (auto& t : threads) t.join();
  CHECK(**s.get("cas") == std::to_string(threads_count * kEach));
}

}  // namespace edgectl::kv::test
