// The Wasm OCI artifact (core/oci): its shape, reproducibility and the image layout.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "oci/oci.hpp"
#include "util/fs.hpp"
#include "util/sha256.hpp"

namespace edgectl::oci {
namespace {

namespace fs = std::filesystem;

// A project with two components whose "modules" are small files.
manifest::Manifest project(const TempDir& dir) {
  REQUIRE(write_file_atomic(dir.path() / "a.wasm", std::string_view("\0asm\x01\0\0\0", 8)));
  REQUIRE(write_file_atomic(dir.path() / "b.wasm", std::string_view("\0asm\x01\0\0\0b", 9)));
  const std::string toml =
      "[app]\nname = \"shop\"\nversion = \"1.2.0\"\n\n[[component]]\nid = \"a\"\nsource = \"a.wasm\"\n\n"
      "[[component]]\nid = \"b\"\nsource = \"b.wasm\"\n\n[[route]]\npath = \"/...\"\ncomponent = \"a\"\n";
  REQUIRE(write_file_atomic(dir.path() / "edgectl.toml", toml));
  auto m = manifest::load_manifest(dir.path() / "edgectl.toml");
  REQUIRE(m.ok());
  return std::move(m).value();
}

TEST_CASE("oci artifact: the CNCF Wasm shape, layers in manifest order, then edgectl.toml") {
  TempDir dir;
  auto a = build_artifact(project(dir), {.created = 0, .version = "", .revision = "abc", .source = "https://x/y"});
  REQUIRE(a.ok());
  auto m = nlohmann::json::parse(a->manifest);
  CHECK(m["mediaType"] == kImageManifestType);
  CHECK(m["config"]["mediaType"] == kWasmConfigType);
  REQUIRE(m["layers"].size() == 3);
  CHECK(m["layers"][0]["mediaType"] == kWasmLayerType);
  CHECK(m["layers"][0]["annotations"]["org.opencontainers.image.title"] == "a.wasm");
  CHECK(m["layers"][1]["annotations"]["org.opencontainers.image.title"] == "b.wasm");
  CHECK(m["layers"][2]["mediaType"] == kEdgectlManifestType);
  CHECK(m["annotations"]["org.opencontainers.image.created"] == "1970-01-01T00:00:00Z");
  CHECK(m["annotations"]["org.opencontainers.image.version"] == "1.2.0");
  CHECK(m["annotations"]["org.opencontainers.image.revision"] == "abc");
  CHECK(m["annotations"]["org.opencontainers.image.source"] == "https://x/y");
  auto config = nlohmann::json::parse(a->config.bytes);
  CHECK(config["os"] == "wasip1");
  CHECK(config["architecture"] == "wasm");
  for (size_t i = 0; i < 3; ++i) CHECK(config["layerDigests"][i] == m["layers"][i]["digest"]);
  CHECK(a->manifest_digest == "sha256:" + sha256_hex(std::string_view(a->manifest)));
  // The config's keys in the documented order.
  CHECK(a->config.bytes.rfind("{\"created\":", 0) == 0);
}

TEST_CASE("oci artifact: the same inputs give the same digest, another time another") {
  TempDir dir;
  const auto app = project(dir);
  auto a = build_artifact(app, {.created = 1700000000, .version = "", .revision = "r", .source = "s"});
  auto b = build_artifact(app, {.created = 1700000000, .version = "", .revision = "r", .source = "s"});
  auto c = build_artifact(app, {.created = 1700000001, .version = "", .revision = "r", .source = "s"});
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(a->manifest_digest == b->manifest_digest);
  CHECK(a->manifest == b->manifest);
  CHECK(a->manifest_digest != c->manifest_digest);
  CHECK(rfc3339(1700000000) == "2023-11-14T22:13:20Z");
}

TEST_CASE("oci artifact: a missing module is an error naming the component") {
  TempDir dir;
  auto app = project(dir);
  fs::remove(dir.path() / "b.wasm");
  auto a = build_artifact(app, {.created = 0});
  REQUIRE(!a.ok());
  CHECK(a.error().message().find("component 'b'") != std::string::npos);
  CHECK(a.error().message().find("edgectl build") != std::string::npos);
}

TEST_CASE("oci layout: blobs by digest, index.json tags, a second tag and a moved tag") {
  TempDir dir;
  const auto app = project(dir);
  auto a = build_artifact(app, {.created = 1});
  auto b = build_artifact(app, {.created = 2});
  REQUIRE((a.ok() && b.ok()));
  const fs::path out = dir.path() / "layout";
  REQUIRE(write_layout(*a, out, "v1"));
  REQUIRE(write_layout(*a, out, "latest"));
  REQUIRE(write_layout(*b, out, "latest"));  // moves "latest"
  auto index = nlohmann::json::parse(*read_text_file(out / "index.json"));
  REQUIRE(index["manifests"].size() == 2);
  std::map<std::string, std::string> tags;
  for (const auto& m : index["manifests"]) tags[m["annotations"]["org.opencontainers.image.ref.name"]] = m["digest"];
  CHECK(tags["v1"] == a->manifest_digest);
  CHECK(tags["latest"] == b->manifest_digest);
  CHECK(*read_text_file(out / "oci-layout") == "{\"imageLayoutVersion\":\"1.0.0\"}");
  for (const auto& blob : {a->config, a->layers[0], a->layers[2]}) {
    auto data = read_text_file(out / "blobs" / "sha256" / blob.digest.substr(7));
    REQUIRE(data.ok());
    CHECK("sha256:" + sha256_hex(std::string_view(*data)) == blob.digest);
  }
  // A folder whose index.json is not an index is left alone.
  REQUIRE(write_file_atomic(dir.path() / "bad" / "index.json", std::string_view("[1,2]")));
  CHECK(!write_layout(*a, dir.path() / "bad", "v1").ok());
}

}  // namespace
}  // namespace edgectl::oci
