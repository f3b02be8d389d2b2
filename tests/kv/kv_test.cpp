// Key-value stores (core/kv): both backends behave the same, counters stay exact under
// concurrent increments, and SQLite keeps its data across reopening.
#include <doctest/doctest.h>

#include <thread>

#include "kv/kv.hpp"
#include "util/fs.hpp"

namespace edgectl::kv {
namespace {

void exercise(Store& s) {
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

void concurrent_counter(Store& s) {
  constexpr int kThreads = 8, kEach = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) REQUIRE(s.increment("hits", 1)->has_value());
    });
  for (auto& t : threads) t.join();
  CHECK(**s.get("hits") == std::to_string(kThreads * kEach));
}

TEST_CASE("kv memory: get, set, delete, exists, list, increment, compare-and-swap") {
  auto s = open_memory();
  exercise(*s);
  concurrent_counter(*s);
}

TEST_CASE("kv sqlite: the same, concurrent increments exact, and data survives reopening") {
  TempDir dir;
  const auto file = dir.path() / "kv" / "default.db";
  {
    auto s = open_sqlite(file);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
    exercise(**s);
    concurrent_counter(**s);
    CHECK((*s)->describe() == "sqlite " + file.string());
  }
  auto again = open_sqlite(file);
  REQUIRE(again.ok());
  CHECK(**(*again)->get("hits") == "2000");
  CHECK(**(*again)->get("c") == "second");
}

TEST_CASE("kv sqlite: a file that is not a database is refused with its name") {
  TempDir dir;
  REQUIRE(write_file_atomic(dir.path() / "bad.db", std::string("this is not sqlite, just text that is long enough")));
  auto s = open_sqlite(dir.path() / "bad.db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().find("bad.db") != std::string::npos);
}

TEST_CASE("kv: decimal integers, strictly") {
  CHECK(parse_integer("42") == 42);
  CHECK(parse_integer("-9223372036854775808") == INT64_MIN);
  CHECK_FALSE(parse_integer("").has_value());
  CHECK_FALSE(parse_integer("+1").has_value());
  CHECK_FALSE(parse_integer(" 1").has_value());
  CHECK_FALSE(parse_integer("1x").has_value());
  CHECK_FALSE(parse_integer("99999999999999999999").has_value());
}

}  // namespace
}  // namespace edgectl::kv
