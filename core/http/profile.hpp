#pragma once
// `edgectl serve --profile cloudflare|fastly`: an edge platform's published per-request
// limits, applied on this machine so that a component that would break them fails here,
// before it is deployed. One plan per platform; profile.cpp has each figure with its source,
// and docs/manifest.md#profiles says what is and is not modelled.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manifest/manifest.hpp"
#include "runtime/runtime.hpp"

namespace edgectl::http {

struct PlatformProfile {
  manifest::Platform platform;
  std::string_view title;   // "Cloudflare Workers"
  std::string_view plan;    // the plan the figures are for: "Workers Paid"
  std::string_view source;  // the page that publishes them
  // The time one request may take. edgectl measures wall-clock time only; where the
  // platform limits CPU time (time_is_cpu), wall-clock time stands in for it, which is
  // stricter: time a guest spends waiting counts here and not there.
  Duration request_time;
  bool time_is_cpu;
  uint64_t max_memory_bytes;               // the guest's linear memory
  uint64_t max_header_bytes;               // the request head
  std::optional<uint64_t> max_body_bytes;  // none published: edgectl's default stays
  uint64_t max_module_gzip_bytes;          // the module, after gzip
};

const PlatformProfile& platform_profile(manifest::Platform platform);

// runtime::Limits::defaults() with the profile's time and memory limits (when there is one).
runtime::Limits guest_defaults(const PlatformProfile* profile);

// Lowers each component's own `timeout` and `max_memory` that is larger than the profile's
// to the profile's. Returns one note per change, naming the component and the manifest line.
std::vector<std::string> cap_component_limits(manifest::Manifest& m,
                                              const PlatformProfile& profile);

// A warning when `module` is larger after gzip than the platform accepts, naming the
// component, its size and the limit; nullopt when it fits.
std::optional<std::string> check_module_size(std::string_view component,
                                             std::span<const uint8_t> module,
                                             const PlatformProfile& profile);

// "cloudflare (Cloudflare Workers, Workers Paid): 30s CPU time (as wall-clock time), ..."
std::string describe(const PlatformProfile& profile);

}  // namespace edgectl::http
