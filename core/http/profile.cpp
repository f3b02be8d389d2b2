// The platforms' published limits (see profile.hpp). Figures are taken as the platform
// writes them, with edgectl's units: MB = 1000² bytes, KB = 1000 bytes.
//
// | limit           | cloudflare (Workers Paid)            | fastly (Compute, paid account)       |
// |-----------------|--------------------------------------|--------------------------------------|
// | time / request  | 30 s CPU time (the default; up to    | 2 min wall-clock runtime (60 s on    |
// |                 | 5 min on request; Free: 10 ms)       | trial accounts); its 50 ms CPU time  |
// |                 |                                      | limit is not modelled                |
// | guest memory    | 128 MB                               | 128 MB heap (plus 1 MB stack)        |
// | request head    | 128 KB in total                      | 69 KB per header (the whole head     |
// |                 |                                      | here)                                |
// | request body    | 100 MB (zones on Cloudflare Free and | none published for Compute: edgectl's|
// |                 | Pro; Business 200 MB)                | default                              |
// | module size     | 10 MB after gzip (Free: 3 MB)        | 100 MB compiled package (gzip)       |
//
// Sources: https://developers.cloudflare.com/workers/platform/limits/ and
// https://docs.fastly.com/products/compute-resource-limits ("last updated 2025-10-09").
// Cloudflare's docs are moving the Worker size limit to 64 MiB uncompressed on every plan
// (cloudflare-docs draft PR #31002); until that is published the 10 MB gzip figure stays.
#include "http/profile.hpp"

#include <array>
#include <cstdio>

#include "util/gzip.hpp"
#include "util/units.hpp"

namespace edgectl::http {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kKB = 1000;
constexpr uint64_t kMB = 1000 * kKB;

constexpr std::array<PlatformProfile, 2> kProfiles{{
    {
        .platform = manifest::Platform::Cloudflare,
        .title = "Cloudflare Workers",
        .plan = "Workers Paid",
        .source = "https://developers.cloudflare.com/workers/platform/limits/",
        .request_time = 30s,
        .time_is_cpu = true,
        .max_memory_bytes = 128 * kMB,
        .max_header_bytes = 128 * kKB,
        .max_body_bytes = 100 * kMB,
        .max_module_gzip_bytes = 10 * kMB,
    },
    {
        .platform = manifest::Platform::Fastly,
        .title = "Fastly Compute",
        .plan = "paid account",
        .source = "https://docs.fastly.com/products/compute-resource-limits",
        .request_time = 2min,
        .time_is_cpu = false,
        .max_memory_bytes = 128 * kMB,
        .max_header_bytes = 69 * kKB,
        .max_body_bytes = std::nullopt,
        .max_module_gzip_bytes = 100 * kMB,
    },
}};

// "128MB", "69KB": the platforms' own spelling where it is exact, else edgectl's.
std::string size_text(uint64_t bytes) {
  if (bytes >= kMB && bytes % kMB == 0) return std::to_string(bytes / kMB) + "MB";
  if (bytes >= kKB && bytes % kKB == 0) return std::to_string(bytes / kKB) + "KB";
  return format_byte_size({bytes});
}

// "10.49 MB": module sizes in the unit the platforms state their limits in.
std::string megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f MB", static_cast<double>(bytes) / kMB);
  return buf;
}

std::string where_text(const TextLocation& at) {
  return at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

}  // namespace

const PlatformProfile& platform_profile(manifest::Platform platform) {
  for (const auto& p : kProfiles)
    if (p.platform == platform) return p;
  return kProfiles.front();  // unreachable: every Platform has a row
}

runtime::Limits guest_defaults(const PlatformProfile* profile) {
  runtime::Limits limits = runtime::Limits::defaults();
  if (!profile) return limits;
  limits.timeout = profile->request_time;
  limits.max_memory_bytes = profile->max_memory_bytes;
  return limits;
}

std::vector<std::string> cap_component_limits(manifest::Manifest& m,
                                              const PlatformProfile& profile) {
  std::vector<std::string> notes;
  const std::string name(manifest::to_string(profile.platform));
  for (auto& c : m.components) {
    const std::string who = "component '" + c.id.value + "'";
    if (auto& t = c.limits.timeout; t && t->value > profile.request_time) {
      notes.push_back(where_text(t->where) + ": " + who + ": timeout " + format_duration(t->value) +
                      " lowered to " + format_duration(profile.request_time) + ", the " + name +
                      " profile's limit");
      t->value = profile.request_time;
    }
    if (auto& mem = c.limits.max_memory; mem && mem->value.bytes > profile.max_memory_bytes) {
      notes.push_back(where_text(mem->where) + ": " + who + ": max_memory " +
                      format_byte_size(mem->value) + " lowered to " +
                      size_text(profile.max_memory_bytes) + ", the " + name + " profile's limit");
      mem->value = ByteSize{profile.max_memory_bytes};
    }
  }
  return notes;
}

std::optional<std::string> check_module_size(std::string_view component,
                                             std::span<const uint8_t> module,
                                             const PlatformProfile& profile) {
  // Within the limit raw, within it after gzip too (gzip adds a few bytes only to data that
  // does not compress, which wasm does): no need to compress it.
  if (module.size() <= profile.max_module_gzip_bytes) return std::nullopt;
  auto compressed = gzip_size(module);
  const uint64_t size = compressed ? *compressed : module.size();
  if (size <= profile.max_module_gzip_bytes) return std::nullopt;
  return "component '" + std::string(component) + "': the module is " + megabytes(size) +
         " after gzip (" + megabytes(module.size()) + " raw); " + std::string(profile.title) +
         " (" + std::string(profile.plan) + ") accepts at most " +
         size_text(profile.max_module_gzip_bytes) + " (" + std::string(profile.source) + ")";
}

std::string describe(const PlatformProfile& profile) {
  std::string out =
      std::string(manifest::to_string(profile.platform)) + " (" + std::string(profile.title) +
      ", " + std::string(profile.plan) + "): " + format_duration(profile.request_time) +
      " per request" +
      (profile.time_is_cpu ? " (its CPU-time limit, enforced as wall-clock time)" : "") +
      ", memory " + size_text(profile.max_memory_bytes) + ", head " +
      size_text(profile.max_header_bytes);
  if (profile.max_body_bytes) out += ", body " + size_text(*profile.max_body_bytes);
  out += ", module " + size_text(profile.max_module_gzip_bytes) + " after gzip";
  return out;
}

}  // namespace edgectl::http
