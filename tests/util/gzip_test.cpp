// gzip_size: what a module weighs after gzip, as platforms' size limits count it.
#include "util/gzip.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace edgectl {
namespace {

// A gzip member's fixed parts: the 10-byte header and the 8-byte CRC and length trailer.
constexpr uint64_t kGzipFraming = 10 + 8;

TEST_CASE("gzip: empty input is the framing and an empty block") {
  auto size = gzip_size({});
  REQUIRE(size.ok());
  CHECK(*size == kGzipFraming + 2);
}

TEST_CASE("gzip: repetitive input shrinks, random input does not") {
  const std::vector<uint8_t> zeros(1 << 20, 0);
  auto small = gzip_size(zeros);
  REQUIRE(small.ok());
  CHECK(*small < 2048);

  std::vector<uint8_t> noise(1 << 20);
  uint32_t x = 2463534242u;
  for (auto& b : noise) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;  // xorshift32
    b = static_cast<uint8_t>(x);
  }
  auto large = gzip_size(noise);
  REQUIRE(large.ok());
  CHECK(*large > noise.size());
  CHECK(*large < noise.size() + noise.size() / 100);
}

}  // namespace
}  // namespace edgectl
