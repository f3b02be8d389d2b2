#pragma once
// Sizes and durations as users write them: "1MiB", "512KB", "1048576"; "250ms", "5s".
// parse_* and format_* round-trip: parse(format(x)) == x.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgectl {

// Bytes. Suffixes: B, KB/MB/GB (powers of 1000), KiB/MiB/GiB (powers of 1024), case-insensitive
// for the letters, e.g. "1MiB", "512KB", "1.5MiB", "1024". Decimal fractions are allowed as
// long as the result is a whole number of bytes.
struct ByteSize {
  uint64_t bytes = 0;
  friend bool operator==(ByteSize, ByteSize) = default;
};

// Nanosecond precision. Suffixes: ns, us, ms, s, m, h; a bare number means seconds.
using Duration = std::chrono::nanoseconds;

std::optional<ByteSize> parse_byte_size(std::string_view text);
std::optional<Duration> parse_duration(std::string_view text);

// Exact forms that parse back to the same value: "1MiB", "1500B" -> "1500", "250ms".
std::string format_byte_size(ByteSize size);
std::string format_duration(Duration d);

// Human forms for tables: "1.4 MiB", "812 B", "31.2 s", "4.1 ms" (lossy).
std::string human_bytes(uint64_t bytes);
std::string human_duration(Duration d);

}  // namespace edgectl
