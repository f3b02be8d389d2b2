// find_manifest() walks up from a folder; load_manifest() reads and parses a file.
#include <doctest/doctest.h>

#include <filesystem>

#include "manifest/manifest.hpp"
#include "util/fs.hpp"

using namespace edgectl;
using namespace edgectl::manifest;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kValid =
    "[app]\nname = \"a\"\n[[component]]\nid = \"a\"\nsource = \"a.wasm\"\n";

}  // namespace

TEST_CASE("find_manifest finds edgectl.toml in the start folder or above it") {
  TempDir tmp("edgectl-manifest");
  const fs::path root = tmp.path() / "project";
  const fs::path nested = root / "src" / "deep";
  fs::create_directories(nested);
  REQUIRE(write_file_atomic(root / "edgectl.toml", kValid).ok());

  auto here = find_manifest(root);
  REQUIRE(here.ok());
  CHECK(*here == (root / "edgectl.toml").lexically_normal());

  auto above = find_manifest(nested);
  REQUIRE(above.ok());
  CHECK(fs::equivalent(*above, root / "edgectl.toml"));
  CHECK(*above == (root / "edgectl.toml").lexically_normal());

  // A nearer manifest wins.
  REQUIRE(write_file_atomic(root / "src" / "edgectl.toml", kValid).ok());
  CHECK(*find_manifest(nested) == (root / "src" / "edgectl.toml").lexically_normal());

  // A folder named edgectl.toml is not a manifest.
  fs::create_directories(nested / "edgectl.toml");
  CHECK(*find_manifest(nested) == (root / "src" / "edgectl.toml").lexically_normal());
}

TEST_CASE("find_manifest keeps a relative start relative") {
  TempDir tmp("edgectl-manifest");
  fs::create_directories(tmp.path() / "a" / "b");
  REQUIRE(write_file_atomic(tmp.path() / "a" / "edgectl.toml", kValid).ok());
  const fs::path cwd = fs::current_path();
  fs::current_path(tmp.path());
  auto found = find_manifest("a/b");
  fs::current_path(cwd);
  REQUIRE(found.ok());
  CHECK(*found == fs::path("a/edgectl.toml"));
}

TEST_CASE("find_manifest names the start folder when there is none") {
  TempDir tmp("edgectl-manifest");
  const fs::path start = tmp.path() / "empty";
  fs::create_directories(start);
  auto r = find_manifest(start);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() == "no edgectl.toml in " + start.string() + " or any folder above it");
  CHECK_FALSE(r.error().primary().notes.empty());

  auto missing = find_manifest(tmp.path() / "nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("is not a folder") != std::string::npos);
}

TEST_CASE("load_manifest reads the file and fills path and dir") {
  TempDir tmp("edgectl-manifest");
  const fs::path file = tmp.path() / "edgectl.toml";
  REQUIRE(write_file_atomic(file, kValid).ok());
  auto m = load_manifest(file);
  REQUIRE(m.ok());
  CHECK(m->path == file);
  CHECK(m->dir == tmp.path());
  CHECK(m->components.at(0).source.where.file == file.string());

  REQUIRE(
      write_file_atomic(file, "[app]\nname = 1\n[[component]]\nid = \"a\"\nsource = \"a.wasm\"\n")
          .ok());
  auto bad = load_manifest(file);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::get<TextLocation>(bad.error().primary().location).file == file.string());

  auto absent = load_manifest(tmp.path() / "missing.toml");
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.error().message().find("cannot open") != std::string::npos);
}
