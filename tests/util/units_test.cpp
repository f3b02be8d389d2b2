#include <doctest/doctest.h>

#include "util/units.hpp"

using namespace edgectl;
using namespace std::chrono_literals;

TEST_CASE("units: byte sizes parse with SI and IEC suffixes") {
  CHECK(parse_byte_size("1024")->bytes == 1024);
  CHECK(parse_byte_size("1MiB")->bytes == 1048576);
  CHECK(parse_byte_size("512KB")->bytes == 512000);
  CHECK(parse_byte_size("512 kib")->bytes == 524288);
  CHECK(parse_byte_size("1.5MiB")->bytes == 1572864);
  CHECK(parse_byte_size("2GiB")->bytes == 2147483648ull);
  CHECK(parse_byte_size("10B")->bytes == 10);
  CHECK_FALSE(parse_byte_size(""));
  CHECK_FALSE(parse_byte_size("MiB"));
  CHECK_FALSE(parse_byte_size("-1"));
  CHECK_FALSE(parse_byte_size("1.3B"));
  CHECK_FALSE(parse_byte_size("5 parsecs"));
  CHECK_FALSE(parse_byte_size("99999999999GiB"));
}

TEST_CASE("units: durations parse and round-trip") {
  CHECK(*parse_duration("250ms") == 250ms);
  CHECK(*parse_duration("5s") == 5s);
  CHECK(*parse_duration("5") == 5s);
  CHECK(*parse_duration("2m") == 120s);
  CHECK(*parse_duration("1h") == 3600s);
  CHECK(*parse_duration("1.5s") == 1500ms);
  CHECK(*parse_duration("10us") == 10us);
  CHECK_FALSE(parse_duration("fast"));
  CHECK_FALSE(parse_duration("5 parsecs"));
  for (auto d : {Duration(250ms), Duration(5s), Duration(10us), Duration(7ns), Duration(0)})
    CHECK(*parse_duration(format_duration(d)) == d);
  for (uint64_t b : {0ull, 1ull, 1000ull, 1024ull, 1048576ull, 1572864ull, 3ull << 30})
    CHECK(parse_byte_size(format_byte_size({b}))->bytes == b);
  CHECK(format_byte_size({1048576}) == "1MiB");
  CHECK(format_duration(250ms) == "250ms");
}

TEST_CASE("units: human forms") {
  CHECK(human_bytes(812) == "812 B");
  CHECK(human_bytes(1536) == "1.5 KiB");
  CHECK(human_bytes(5 * 1048576 + 1048576 / 2) == "5.50 MiB");
  CHECK(human_duration(4100us) == "4.1 ms");
}
