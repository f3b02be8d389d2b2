#include <doctest/doctest.h>

#include <sys/stat.h>

#include "util/fs.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"

using namespace edgectl;
namespace fs = std::filesystem;

TEST_CASE("fs: atomic write replaces the whole file and leaves no temporary behind") {
  TempDir dir;
  auto target = dir.path() / "sub" / "out.wasm";
  REQUIRE(write_file_atomic(target, std::string_view("first version")).ok());
  REQUIRE(write_file_atomic(target, std::string_view("second")).ok());
  CHECK(*read_text_file(target) == "second");
  size_t entries = 0;
  for (auto& e : fs::directory_iterator(target.parent_path())) entries += (void(e), 1);
  CHECK(entries == 1);
}

TEST_CASE("fs: a failed atomic write leaves the old file untouched") {
  TempDir dir;
  auto target = dir.path() / "ro" / "out.wasm";
  REQUIRE(write_file_atomic(target, std::string_view("old")).ok());
  if (::geteuid() == 0) {
    // root ignores permission bits; use a path whose parent is a file instead.
    auto blocked = dir.path() / "ro" / "out.wasm" / "child";
    CHECK_FALSE(write_file_atomic(blocked, std::string_view("new")).ok());
  } else {
    fs::permissions(target.parent_path(), fs::perms::owner_read | fs::perms::owner_exec);
    CHECK_FALSE(write_file_atomic(target, std::string_view("new")).ok());
    fs::permissions(target.parent_path(), fs::perms::owner_all);
  }
  CHECK(*read_text_file(target) == "old");
}

TEST_CASE("fs: read errors name the file") {
  auto r = read_file("/nonexistent/edgectl/file.wasm");
  REQUIRE_FALSE(r.ok());
  CHECK(std::get<FileLocation>(r.error().primary().location).file == "/nonexistent/edgectl/file.wasm");
}

TEST_CASE("sha256: known vectors, incremental and file forms agree") {
  CHECK(sha256_hex(std::string_view("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex(std::string_view("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256().update(std::string_view("a")).update(std::string_view("bc")).hex() == sha256_hex(std::string_view("abc")));
  TempDir dir;
  REQUIRE(write_file_atomic(dir.path() / "f", std::string_view("abc")).ok());
  CHECK(*sha256_file(dir.path() / "f") == sha256_hex(std::string_view("abc")));
}

TEST_CASE("process: output is streamed, exit codes and env are passed") {
  std::string out, err;
  ProcessSpec spec;
  spec.argv = shell_command("echo out-$EDGECTL_T; echo err >&2; exit 3");
  spec.env_overrides["EDGECTL_T"] = "x";
  spec.on_output = [&](OutputStream s, std::string_view c) { (s == OutputStream::Stdout ? out : err).append(c); };
  auto r = run_process(spec);
  REQUIRE(r.ok());
  CHECK(r->exit_code == 3);
  CHECK(out == "out-x\n");
  CHECK(err == "err\n");
  CHECK_FALSE(run_process({{"edgectl-no-such-program"}, {}, {}, {}}).ok());
  CHECK(capture_output({"/bin/sh", "-c", "printf hi"}) == std::optional<std::string>("hi"));
}
