#include "util/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <string>

namespace edgectl {
namespace {

// windowBits 15 (zlib's largest window) + 16: write a gzip header and trailer, not zlib's.
constexpr int kGzipWindowBits = 15 + 16;
// zlib's documented default for memLevel.
constexpr int kMemLevel = 8;
// The output is only counted, so one small buffer is reused.
constexpr size_t kOutChunkBytes = 64 * 1024;
// zlib counts lengths in 32-bit uInt: larger input goes in in pieces.
constexpr size_t kInChunkBytes = size_t{1} << 30;

}  // namespace

Result<uint64_t> gzip_size(std::span<const uint8_t> data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return Error("cannot start gzip (zlib): out of memory");
  std::array<Bytef, kOutChunkBytes> out;
  uint64_t total = 0;
  size_t offset = 0;
  int status = Z_OK;
  while (status == Z_OK || status == Z_BUF_ERROR) {
    if (z.avail_in == 0 && offset < data.size()) {
      const size_t take = std::min(data.size() - offset, kInChunkBytes);
      // zlib's input pointer is not const, but deflate only reads it.
      z.next_in = const_cast<Bytef*>(data.data() + offset);
      z.avail_in = static_cast<uInt>(take);
      offset += take;
    }
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    status = deflate(&z, offset == data.size() ? Z_FINISH : Z_NO_FLUSH);
    total += out.size() - z.avail_out;
  }
  deflateEnd(&z);
  if (status != Z_STREAM_END)
    return Error("gzip (zlib) failed with status " + std::to_string(status));
  return total;
}

}  // namespace edgectl
