// Image references (core/oci/reference.cpp): docker's reading of names, tags and digests.
#include <doctest/doctest.h>

#include "oci/oci.hpp"

namespace edgectl::oci {
namespace {

Reference parse(std::string_view text, std::string_view default_tag = "latest") {
  auto r = parse_reference(text, default_tag);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r).value();
}

std::string error_of(std::string_view text) {
  auto r = parse_reference(text);
  REQUIRE_FALSE(r.ok());
  return r.error().message();
}

const std::string kDigest = "sha256:" + std::string(64, 'a');

TEST_CASE("oci reference: registry, repository, tag and digest") {
  auto r = parse("ghcr.io/acme/hello:1.0");
  CHECK(r.registry == "ghcr.io");
  CHECK(r.repository == "acme/hello");
  CHECK(r.tag == "1.0");
  CHECK(r.digest.empty());
  CHECK(r.str() == "ghcr.io/acme/hello:1.0");

  r = parse("127.0.0.1:5000/hello@" + kDigest);
  CHECK(r.registry == "127.0.0.1:5000");
  CHECK(r.repository == "hello");
  CHECK(r.tag.empty());
  CHECK(r.digest == kDigest);
  CHECK(r.plain_http_allowed());

  r = parse("localhost/a/b/c:v2@" + kDigest);
  CHECK(r.registry == "localhost");
  CHECK(r.repository == "a/b/c");
  CHECK(r.tag == "v2");
  CHECK(r.str() == "localhost/a/b/c:v2@" + kDigest);
  CHECK(r.plain_http_allowed());

  r = parse("oci://registry.example.com:8443/team/app");
  CHECK(r.registry == "registry.example.com:8443");
  CHECK(r.tag == "latest");
  CHECK_FALSE(r.plain_http_allowed());
  // Only real loopback addresses, not names that look like them.
  CHECK(parse("127.0.0.2:5000/a").plain_http_allowed());
  CHECK_FALSE(parse("127.evil.example/a").plain_http_allowed());
  CHECK_FALSE(parse("127.0.0.1.nip.io/a").plain_http_allowed());
  CHECK_FALSE(parse("128.0.0.1:5000/a").plain_http_allowed());
}

TEST_CASE("oci reference: Docker Hub names and the default tag") {
  auto r = parse("hello");
  CHECK(r.registry == "docker.io");
  CHECK(r.repository == "library/hello");
  CHECK(r.api_host() == "registry-1.docker.io");
  r = parse("acme/hello", "");
  CHECK(r.repository == "acme/hello");
  CHECK(r.tag.empty());
  CHECK(parse("index.docker.io/acme/x").registry == "docker.io");
  CHECK(credential_key("docker.io") == "https://index.docker.io/v1/");
  CHECK(credential_key("ghcr.io") == "ghcr.io");
}

TEST_CASE("oci reference: what is wrong is said") {
  CHECK(error_of("ghcr.io/Acme/hello").find("lowercase") != std::string::npos);
  CHECK(error_of("ghcr.io/acme/hello:-bad").find("tag") != std::string::npos);
  CHECK(error_of("ghcr.io/acme/hello@sha512:abc").find("only sha256") != std::string::npos);
  CHECK(error_of("ghcr.io/acme/hello@sha256:abc").find("64 lowercase hex") != std::string::npos);
  CHECK(error_of("").find("empty") != std::string::npos);
  CHECK(error_of("ghcr.io/").find("repository") != std::string::npos);
  CHECK(error_of("ghcr.io/a//b").find("repository name component") != std::string::npos);
}

}  // namespace
}  // namespace edgectl::oci
