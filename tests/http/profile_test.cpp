// serve --profile: the platforms' figures as guest defaults, caps on components' own
// limits, and the module size check after gzip.
#include "http/profile.hpp"

#include "support.hpp"

namespace edgectl::http {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kMB = 1000 * 1000;

manifest::Manifest parse(const std::string& components) {
  auto r = manifest::parse_manifest("[app]\nname = \"demo\"\n" + components, "edgectl.toml");
  REQUIRE(r.ok());
  return std::move(r).value();
}

// Bytes that do not compress: a fixed pseudo-random sequence.
Bytes incompressible(size_t size) {
  Bytes out(size);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (auto& b : out) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
    b = static_cast<uint8_t>(x);
  }
  return out;
}

TEST_CASE("profile: the published figures of each platform") {
  const auto& cf = platform_profile(manifest::Platform::Cloudflare);
  CHECK(cf.plan == "Workers Paid");
  CHECK(cf.request_time == 30s);
  CHECK(cf.time_is_cpu);
  CHECK(cf.max_memory_bytes == 128 * kMB);
  CHECK(cf.max_module_gzip_bytes == 10 * kMB);
  const auto& fastly = platform_profile(manifest::Platform::Fastly);
  CHECK(fastly.request_time == 2min);
  CHECK_FALSE(fastly.time_is_cpu);
  CHECK(fastly.max_memory_bytes == 128 * kMB);
  CHECK_FALSE(fastly.max_body_bytes);
  CHECK(describe(cf).starts_with("cloudflare (Cloudflare Workers, Workers Paid): 30s per request"));
}

TEST_CASE("profile: guest defaults take the profile's time and memory") {
  const auto& cf = platform_profile(manifest::Platform::Cloudflare);
  const runtime::Limits with = guest_defaults(&cf);
  CHECK(with.timeout == Duration(30s));
  CHECK(with.max_memory_bytes == 128 * kMB);
  CHECK(with.max_call_depth == runtime::Limits::defaults().max_call_depth);
  const runtime::Limits without = guest_defaults(nullptr);
  CHECK_FALSE(without.timeout);
  CHECK(without.max_memory_bytes == runtime::Limits::defaults().max_memory_bytes);
}

TEST_CASE("profile: a component's own larger limits are lowered, with a note each") {
  manifest::Manifest m = parse(R"([[component]]
id = "big"
source = "big.wasm"
timeout = "5m"
max_memory = "256MiB"
[[component]]
id = "small"
source = "small.wasm"
timeout = "5s"
max_memory = "64MiB"
[[component]]
id = "plain"
source = "plain.wasm"
)");
  const auto notes = cap_component_limits(m, platform_profile(manifest::Platform::Cloudflare));
  REQUIRE(notes.size() == 2);
  CHECK(notes[0] ==
        "edgectl.toml:6:11: component 'big': timeout 300s lowered to 30s, the "
        "cloudflare profile's limit");
  CHECK(notes[1] ==
        "edgectl.toml:7:14: component 'big': max_memory 256MiB lowered to 128MB, "
        "the cloudflare profile's limit");
  CHECK(m.components[0].limits.timeout->value == 30s);
  CHECK(m.components[0].limits.max_memory->value.bytes == 128 * kMB);
  CHECK(m.components[1].limits.timeout->value == 5s);  // within the profile: kept
  CHECK(m.components[1].limits.max_memory->value.bytes == 64 * 1024 * 1024);
  CHECK_FALSE(m.components[2].limits.timeout);  // the profile's default applies to it
}

TEST_CASE("profile: a module too large after gzip is named with both sizes") {
  const auto& cf = platform_profile(manifest::Platform::Cloudflare);
  CHECK_FALSE(check_module_size("api", incompressible(1000), cf));
  // Over the limit raw, but it compresses to almost nothing.
  CHECK_FALSE(check_module_size("api", Bytes(11 * kMB, 0), cf));
  auto warning = check_module_size("api", incompressible(11 * kMB), cf);
  REQUIRE(warning);
  CHECK(warning->starts_with("component 'api': the module is "));
  CHECK(warning->find("after gzip (11.00 MB raw); Cloudflare Workers (Workers Paid) accepts at "
                      "most 10MB (https://developers.cloudflare.com/") != std::string::npos);
}

}  // namespace
}  // namespace edgectl::http
