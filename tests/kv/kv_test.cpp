// Key-value stores (core/kv): memory and SQLite behave the same (kv_support.hpp; Redis in
// redis_test.cpp), counters stay exact under concurrent increments, and SQLite keeps its
// data across reopening.
#include <doctest/doctest.h>

#include "kv/kv.hpp"
#include "kv/kv_support.hpp"
#include "util/fs.hpp"

namespace edgectl::kv {
namespace {

using test::concurrent_compare_and_swap;
using test::concurrent_counter;
using test::exercise;

TEST_CASE("kv memory: get, set, delete, exists, list, increment, compare-and-swap") {
  auto s = open_memory();
  exercise(*s);
  concurrent_counter(*s);
  concurrent_compare_and_swap(*s);
}

TEST_CASE("kv sqlite: the same, concurrent increments exact, and data survives reopening") {
  TempDir dir;
  const auto file = dir.path() / "kv" / "default.db";
  {
    auto s = open_sqlite(file);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
    exercise(**s);
    concurrent_counter(**s);
    concurrent_compare_and_swap(**s);
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
