// args_* and environ_*: exactly the configured strings, NUL-terminated, pointer array + buffer.
#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;

EDGECTL_WASI_COVERS("args_get", "args_sizes_get", "environ_get", "environ_sizes_get");

namespace {

// Reads back a list written by args_get/environ_get.
std::vector<std::string> read_list(const Guest& g, uint32_t list, uint32_t count) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < count; ++i) {
    const auto p = g.load<uint32_t>(list + i * 4);
    out.emplace_back(reinterpret_cast<const char*>(g.mem.data() + p));
  }
  return out;
}

}  // namespace

TEST_CASE("wasi: args_sizes_get and args_get give exactly the configured argv") {
  WasiConfig c = Guest::buffered();
  c.args = {"app.wasm", "--flag", "", "ünïcode"};
  Guest g(std::move(c));
  REQUIRE(g.call("args_sizes_get", {kOut, kOut2}) == Errno::Success);
  const auto argc = g.load<uint32_t>(kOut);
  const auto size = g.load<uint32_t>(kOut2);
  CHECK(argc == 4);
  CHECK(size == std::string("app.wasm").size() + 1 + 7 + 1 + std::string("ünïcode").size() + 1);
  const uint32_t list = g.alloc(argc * 4);
  const uint32_t buf = g.alloc(size, 1);
  std::memset(g.mem.data() + buf, 0xAA, size);
  REQUIRE(g.call("args_get", {list, buf}) == Errno::Success);
  CHECK(read_list(g, list, argc) == std::vector<std::string>{"app.wasm", "--flag", "", "ünïcode"});
  CHECK(g.load<uint32_t>(list) == buf);
  CHECK(g.mem[buf + size - 1] == 0);
}

TEST_CASE("wasi: environ_get gives only the configured variables as KEY=VALUE") {
  WasiConfig c = Guest::buffered();
  c.env = {{"REQUEST_METHOD", "GET"}, {"EMPTY", ""}, {"X", "a=b"}};
  Guest g(std::move(c));
  REQUIRE(g.call("environ_sizes_get", {kOut, kOut2}) == Errno::Success);
  const auto count = g.load<uint32_t>(kOut);
  const auto size = g.load<uint32_t>(kOut2);
  CHECK(count == 3);
  CHECK(size == sizeof("REQUEST_METHOD=GET") + sizeof("EMPTY=") + sizeof("X=a=b"));
  const uint32_t list = g.alloc(count * 4);
  const uint32_t buf = g.alloc(size, 1);
  REQUIRE(g.call("environ_get", {list, buf}) == Errno::Success);
  CHECK(read_list(g, list, count) ==
        std::vector<std::string>{"REQUEST_METHOD=GET", "EMPTY=", "X=a=b"});
}

TEST_CASE("wasi: an empty argv and environment have zero sizes") {
  Guest g(Guest::buffered());
  g.store<uint32_t>(kOut, 99);
  REQUIRE(g.call("environ_sizes_get", {kOut, kOut2}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 0);
  CHECK(g.load<uint32_t>(kOut2) == 0);
  REQUIRE(g.call("args_sizes_get", {kOut, kOut2}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 0);
  // Even an empty range must lie inside memory.
  CHECK(g.call("args_get", {kBadPtr, kBadPtr}) == Errno::Fault);
  const auto end = static_cast<uint32_t>(g.mem.size());
  CHECK(g.call("args_get", {end, end}) == Errno::Success);
}

TEST_CASE("wasi: args and environ pointers outside memory fault") {
  WasiConfig c = Guest::buffered();
  c.args = {"a", "bb"};
  c.env = {{"K", "V"}};
  Guest g(std::move(c));
  const auto end = static_cast<uint32_t>(g.mem.size());
  CHECK(g.call("args_sizes_get", {kBadPtr, kOut}) == Errno::Fault);
  CHECK(g.call("args_sizes_get", {kOut, end - 3}) == Errno::Fault);
  CHECK(g.call("args_get", {end - 4, kOut}) == Errno::Fault);     // 2 pointers need 8 bytes
  CHECK(g.call("args_get", {kOut, end - 4}) == Errno::Fault);     // "a\0bb\0" needs 5
  CHECK(g.call("args_get", {0xFFFFFFFC, kOut}) == Errno::Fault);  // would wrap past 2^32
  CHECK(g.call("environ_get", {kOut, kBadPtr}) == Errno::Fault);
  CHECK(g.call("environ_sizes_get", {end, kOut}) == Errno::Fault);
  CHECK(g.call("args_get", {end - 8, end - 5}) == Errno::Success);  // exactly fits
}
