// Removing custom sections (what wasm-strip does), by walking the section headers.
// A hand-written walk rather than wabt's reader + writer: it copies the non-custom sections
// byte for byte, so nothing is re-encoded, and it needs only the section framing.
#include <cstring>

#include "wasm/wasm.hpp"

namespace edgectl::wasm {
namespace {

constexpr uint8_t kMagic[] = {0x00, 0x61, 0x73, 0x6d};
constexpr size_t kHeaderSize = 8;  // magic + version
constexpr uint8_t kCustomSectionId = 0;
constexpr int kMaxLeb32Bytes = 5;

// Reads an unsigned LEB128 u32 at `pos`; false if malformed or past `end`.
bool read_u32(std::span<const uint8_t> b, size_t& pos, uint32_t& out) {
  uint64_t value = 0;
  for (int i = 0; i < kMaxLeb32Bytes; ++i) {
    if (pos >= b.size()) return false;
    uint8_t byte = b[pos++];
    value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) {
      if (value > UINT32_MAX) return false;
      out = static_cast<uint32_t>(value);
      return true;
    }
  }
  return false;
}

}  // namespace

Result<Bytes> strip_custom_sections(std::span<const uint8_t> bytes, const std::string& filename,
                                    KeepNames keep_names) {
  if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return Error("not a WebAssembly module (bad magic)", WasmLocation{filename, 0});
  Bytes out(bytes.begin(), bytes.begin() + kHeaderSize);
  out.reserve(bytes.size());
  size_t pos = kHeaderSize;
  while (pos < bytes.size()) {
    const size_t start = pos;
    const uint8_t id = bytes[pos++];
    uint32_t size = 0;
    if (!read_u32(bytes, pos, size)) return Error("malformed section size", WasmLocation{filename, start + 1});
    if (size > bytes.size() - pos)
      return Error("section extends past the end of the module", WasmLocation{filename, start});
    const size_t end = pos + size;
    bool keep = id != kCustomSectionId;
    if (!keep && keep_names == KeepNames::Yes) {
      size_t p = pos;
      uint32_t name_len = 0;
      if (read_u32(bytes, p, name_len) && name_len <= end - p)
        keep = std::string_view(reinterpret_cast<const char*>(bytes.data() + p), name_len) == "name";
    }
    if (keep) out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(start),
                         bytes.begin() + static_cast<std::ptrdiff_t>(end));
    pos = end;
  }
  return out;
}

}  // namespace edgectl::wasm
