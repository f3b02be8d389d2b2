#pragma once
// The size of data after gzip, the way platforms that limit a module's "size after
// compression" measure it (Cloudflare's Worker size, Fastly's package size).
#include <cstdint>
#include <span>

#include "util/error.hpp"

namespace edgectl {

// zlib's default level, as wrangler and `gzip` use. Error: zlib could not start (no memory).
Result<uint64_t> gzip_size(std::span<const uint8_t> data);

}  // namespace edgectl
