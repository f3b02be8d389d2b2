#pragma once
// Guest memory for host functions: every pointer and length is checked against the memory
// the call was made with, and a range outside it throws OutOfBounds, which call() turns
// into a trap naming the range (a guest bug, never a host crash). Little-endian loads and
// stores, as wasm defines them (this host is little-endian too).
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "runtime/wasi/wasi.hpp"

namespace edgectl::runtime::host::detail {

struct OutOfBounds : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Guest {
 public:
  explicit Guest(wasi::GuestMemory m) : m_(m) {}

  void check(uint64_t ptr, uint64_t len) const {
    ptr &= 0xFFFFFFFFu;  // i32 arguments arrive zero-extended; be sure
    len &= 0xFFFFFFFFu;
    if (ptr + len > m_.size || (len > 0 && !m_.base))
      throw OutOfBounds("pointer " + std::to_string(ptr) + " + length " + std::to_string(len) +
                        " is outside the guest's memory (" + std::to_string(m_.size) + " bytes)");
  }
  std::string_view bytes(uint64_t ptr, uint64_t len) const {
    check(ptr, len);
    if (len == 0) return {};
    return {reinterpret_cast<const char*>(m_.base + (ptr & 0xFFFFFFFFu)), static_cast<size_t>(len & 0xFFFFFFFFu)};
  }
  void put_bytes(uint64_t ptr, std::string_view data) {
    if (data.size() > 0xFFFFFFFFu) throw OutOfBounds("more than 4 GiB for the guest's memory");
    check(ptr, data.size());
    if (!data.empty()) std::memcpy(m_.base + (ptr & 0xFFFFFFFFu), data.data(), data.size());
  }
  void put_u32(uint64_t ptr, uint32_t v) { put_bytes(ptr, std::string_view(reinterpret_cast<const char*>(&v), 4)); }
  void put_u64(uint64_t ptr, uint64_t v) { put_bytes(ptr, std::string_view(reinterpret_cast<const char*>(&v), 8)); }

 private:
  wasi::GuestMemory m_;
};

}  // namespace edgectl::runtime::host::detail
