// The registry client's pure parts (core/oci/detail/client.cpp): upload URLs, registry
// error bodies in plain words, what is worth a retry and how long to wait. The network
// side is covered by tests/integration/push_registry.sh and push_auth.sh.
#include <doctest/doctest.h>

#include "oci/detail/client.hpp"

namespace edgectl::oci::detail {
namespace {

Response answer(long status, std::string body, std::map<std::string, std::string> headers = {}) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST_CASE("oci client: Location headers, relative or absolute, and the digest parameter") {
  CHECK(Client::resolve("http://127.0.0.1:5000/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u1?_state=x") ==
        "http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=x");
  CHECK(Client::resolve("http://127.0.0.1:5000/v2/a/blobs/uploads/", "https://s3.example/up?sig=1") ==
        "https://s3.example/up?sig=1");
  CHECK(Client::with_query("http://h/v2/a/blobs/uploads/u1?_state=x", "digest", "sha256:ab") ==
        "http://h/v2/a/blobs/uploads/u1?_state=x&digest=sha256%3aab");
  CHECK(Client::with_query("http://h/up", "digest", "sha256:ab") == "http://h/up?digest=sha256%3aab");
}

TEST_CASE("oci client: registry error bodies become plain words with the registry's message") {
  auto r = answer(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v9"}}]})");
  CHECK(describe(r) == R"(no such tag or digest (HTTP 404 MANIFEST_UNKNOWN: manifest unknown: {"Tag":"v9"}))");
  Error e = registry_error("fetching the manifest", r, "ghcr.io/a/b:v9");
  CHECK(e.message() == "fetching the manifest: no such tag or digest (the registry says: manifest unknown)");
  const auto* where = std::get_if<RegistryLocation>(&e.primary().location);
  REQUIRE(where);
  CHECK(where->http_status == 404);
  CHECK(where->code == "MANIFEST_UNKNOWN");
  CHECK(where->reference == "ghcr.io/a/b:v9");
  CHECK(describe(answer(403, "<html>nope</html>")) == "access denied (HTTP 403)");
  CHECK(describe(answer(502, "")) == "the registry failed (HTTP 502)");
  CHECK(describe(answer(400, R"({"errors":[{"code":"DENIED","message":"m"}]})")) == "access denied (HTTP 400 DENIED: m)");
}

TEST_CASE("oci client: retries on 429 and 5xx, waiting what Retry-After says") {
  CHECK(transient(answer(429, "")));
  CHECK(transient(answer(503, "")));
  CHECK_FALSE(transient(answer(404, "")));
  CHECK_FALSE(transient(answer(401, "")));
  CHECK_FALSE(retry_after(answer(503, "")).has_value());
  CHECK(retry_after(answer(503, "", {{"retry-after", "7"}})) == doctest::Approx(7.0));
  CHECK(retry_after(answer(503, "", {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}})) == doctest::Approx(0.0));
  CHECK_FALSE(retry_after(answer(503, "", {{"retry-after", "soon"}})).has_value());
}

}  // namespace
}  // namespace edgectl::oci::detail
