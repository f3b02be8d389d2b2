// Deny by default: no path leaves its preopen, whatever the trick, and a read-only preopen
// refuses every change. Escapes and missing rights are both Notcapable.
#include <sys/stat.h>

#include <filesystem>

#include "util/fs.hpp"
#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;
using edgectl::TempDir;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& p, std::string_view text = "") {
  REQUIRE(edgectl::write_file_atomic(p, text).ok());
}

// <tmp>/jail is the preopen; <tmp>/secret and <tmp>/outside/ are what must stay out of reach.
struct Jail {
  TempDir root;
  fs::path jail = root.path() / "jail";
  fs::path secret = root.path() / "secret";
  Jail() {
    fs::create_directories(jail / "a" / "b");
    fs::create_directories(root.path() / "outside");
    touch(secret, "top secret");
    touch(jail / "inside.txt", "in");
    fs::create_symlink("/etc", jail / "etc_link");
    fs::create_symlink("../..", jail / "up");
    fs::create_symlink("../secret", jail / "secret_link");
    fs::create_symlink("hop2", jail / "hop1");  // hop1 -> hop2 -> hop3 -> ../secret
    fs::create_symlink("hop3", jail / "hop2");
    fs::create_symlink("../secret", jail / "hop3");
    fs::create_symlink("in2", jail / "in1");  // in1 -> in2 -> inside.txt
    fs::create_symlink("inside.txt", jail / "in2");
    fs::create_symlink(root.path() / "outside", jail / "abs_outside");
  }
  WasiConfig config(bool writable) const {
    WasiConfig c = Guest::buffered();
    c.preopens.push_back(Preopen{jail, "/", writable});
    return c;
  }
  void check_untouched() const {
    CHECK(*edgectl::read_text_file(secret) == "top secret");
    CHECK(fs::is_empty(root.path() / "outside"));
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(root.path())) n += (void(e), 1);
    CHECK(n == 3);  // jail, secret, outside
  }
};

Errno open_read(Guest& g, std::string_view path, uint32_t lookupflags = kLookupSymlinkFollow) {
  uint32_t fd = 0;
  return g.open(3, path, 0, kRightFdRead, 0, &fd, lookupflags);
}

}  // namespace

TEST_CASE("wasi: path_open cannot escape with .., absolute paths or symlinks") {
  Jail j;
  Guest g(j.config(true));
  CHECK(open_read(g, "../secret") == Errno::Notcapable);
  CHECK(open_read(g, "a/../../secret") == Errno::Notcapable);
  CHECK(open_read(g, "a/b/../../../secret") == Errno::Notcapable);
  CHECK(open_read(g, "/etc/passwd") == Errno::Notcapable);
  CHECK(open_read(g, "..") == Errno::Notcapable);
  CHECK(open_read(g, "etc_link/passwd") == Errno::Notcapable);
  CHECK(open_read(g, "etc_link") == Errno::Notcapable);
  CHECK(open_read(g, "up/secret") == Errno::Notcapable);
  CHECK(open_read(g, "secret_link") == Errno::Notcapable);
  CHECK(open_read(g, "hop1") == Errno::Notcapable);  // a chain ending outside
  CHECK(open_read(g, "abs_outside") == Errno::Notcapable);
  uint32_t fd = 0;
  CHECK(g.open(3, "secret_link", kOflagCreat | kOflagTrunc, kAllRights, 0, &fd) ==
        Errno::Notcapable);
  CHECK(g.open(3, "abs_outside/new", kOflagCreat, kAllRights, 0, &fd) == Errno::Notcapable);
  CHECK(g.open(3, "../new", kOflagCreat, kAllRights, 0, &fd) == Errno::Notcapable);
  // Inside stays usable, also through ".." that stays below the root and inner chains.
  CHECK(open_read(g, "a/../inside.txt") == Errno::Success);
  CHECK(open_read(g, "./a/b/../../in1") == Errno::Success);
  CHECK(open_read(g, ".") == Errno::Success);
  j.check_untouched();
}

TEST_CASE("wasi: escapes are refused also from an opened subfolder") {
  Jail j;
  Guest g(j.config(true));
  uint32_t sub = 0;
  REQUIRE(g.open(3, "a/b", kOflagDirectory, kAllRights, 0, &sub) == Errno::Success);
  uint32_t fd = 0;
  // "../.." is the preopen itself, yet it is above the fd the path is resolved from.
  CHECK(g.open(sub, "../../inside.txt", 0, kRightFdRead, 0, &fd) == Errno::Notcapable);
  CHECK(g.open(sub, "..", 0, kRightFdRead, 0, &fd) == Errno::Notcapable);
  CHECK(g.at("path_create_directory", sub, "../c") == Errno::Notcapable);
  j.check_untouched();
}

TEST_CASE("wasi: stat and set_times cannot reach outside - a link itself can be looked at") {
  Jail j;
  Guest g(j.config(true));
  uint32_t buf = 0;
  CHECK(g.filestat(3, "..", kLookupSymlinkFollow, &buf) == Errno::Notcapable);
  CHECK(g.filestat(3, "../secret", 0, &buf) == Errno::Notcapable);
  CHECK(g.filestat(3, "secret_link", kLookupSymlinkFollow, &buf) == Errno::Notcapable);
  CHECK(g.filestat(3, "etc_link/passwd", 0, &buf) == Errno::Notcapable);
  REQUIRE(g.filestat(3, "secret_link", 0, &buf) == Errno::Success);
  CHECK(g.mem[buf + kFilestatFiletypeOffset] == kFiletypeSymbolicLink);
  REQUIRE(g.filestat(3, "a/..", 0, &buf) == Errno::Success);
  CHECK(g.mem[buf + kFilestatFiletypeOffset] == kFiletypeDirectory);

  struct stat before {};
  REQUIRE(::stat(j.secret.c_str(), &before) == 0);
  const uint32_t p = g.put("secret_link");
  CHECK(g.call("path_filestat_set_times", {3, kLookupSymlinkFollow, p, 11, 0, 0, kFstflagMtim}) ==
        Errno::Notcapable);
  const uint32_t q = g.put("../secret");
  CHECK(g.call("path_filestat_set_times", {3, 0, q, 9, 0, 0, kFstflagMtim}) == Errno::Notcapable);
  struct stat after {};
  REQUIRE(::stat(j.secret.c_str(), &after) == 0);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  // Without SYMLINK_FOLLOW the link's own times change, never its target's.
  CHECK(g.call("path_filestat_set_times", {3, 0, p, 11, 0, 0, kFstflagMtim}) == Errno::Success);
  REQUIRE(::stat(j.secret.c_str(), &after) == 0);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
}

TEST_CASE("wasi: creating, removing, renaming and linking cannot reach outside") {
  Jail j;
  Guest g(j.config(true));
  CHECK(g.at("path_create_directory", 3, "../made") == Errno::Notcapable);
  CHECK(g.at("path_create_directory", 3, "/tmp/made") == Errno::Notcapable);
  CHECK(g.at("path_create_directory", 3, "abs_outside/made") == Errno::Notcapable);
  CHECK(g.at("path_create_directory", 3, "up/made") == Errno::Notcapable);
  CHECK(g.at("path_create_directory", 3, "..") == Errno::Notcapable);
  CHECK(g.at("path_remove_directory", 3, "../outside") == Errno::Notcapable);
  CHECK(g.at("path_remove_directory", 3, "abs_outside/.") == Errno::Notcapable);
  CHECK(g.at("path_unlink_file", 3, "../secret") == Errno::Notcapable);
  CHECK(g.at("path_unlink_file", 3, "up/secret") == Errno::Notcapable);

  const uint32_t inside = g.put("inside.txt");
  const uint32_t out = g.put("../stolen");
  const uint32_t secret = g.put("../secret");
  CHECK(g.call("path_rename", {3, inside, 10, 3, out, 9}) == Errno::Notcapable);
  CHECK(g.call("path_rename", {3, secret, 9, 3, g.put("got"), 3}) == Errno::Notcapable);
  CHECK(g.call("path_rename", {3, inside, 10, 3, g.put("abs_outside/x"), 13}) == Errno::Notcapable);
  CHECK(g.call("path_link", {3, 0, inside, 10, 3, out, 9}) == Errno::Notcapable);
  CHECK(g.call("path_link", {3, 0, secret, 9, 3, g.put("got"), 3}) == Errno::Notcapable);
  CHECK(g.call("path_link", {3, 0, g.put("up/secret"), 9, 3, g.put("got"), 3}) ==
        Errno::Notcapable);
  CHECK(g.call("path_symlink", {inside, 10, 3, out, 9}) == Errno::Notcapable);
  CHECK(g.call("path_symlink", {inside, 10, 3, g.put("/abs"), 4}) == Errno::Notcapable);
  CHECK(g.call("path_readlink", {3, g.put("up/secret_link"), 14, g.alloc(64), 64, kOut}) ==
        Errno::Notcapable);
  CHECK(fs::exists(j.jail / "inside.txt"));
  j.check_untouched();
}

TEST_CASE("wasi: a symlink may point outside, but nothing follows it there") {
  Jail j;
  Guest g(j.config(true));
  const std::string target = j.secret.string();
  REQUIRE(g.call("path_symlink", {g.put(target), target.size(), 3, g.put("planted"), 7}) ==
          Errno::Success);
  REQUIRE(g.call("path_symlink", {g.put("../../.."), 8, 3, g.put("a/deep"), 6}) == Errno::Success);
  const uint32_t buf = g.alloc(256, 1);
  REQUIRE(g.call("path_readlink", {3, g.put("planted"), 7, buf, 256, kOut}) == Errno::Success);
  CHECK(g.text(buf, g.load<uint32_t>(kOut)) == target);
  CHECK(open_read(g, "planted") == Errno::Notcapable);
  CHECK(open_read(g, "a/deep/secret") == Errno::Notcapable);
  uint32_t fd = 0;
  CHECK(g.open(3, "planted", kOflagTrunc, kAllRights, 0, &fd) == Errno::Notcapable);
  j.check_untouched();
}

TEST_CASE("wasi: a read-only preopen can be read, and refuses every change") {
  Jail j;
  Guest g(j.config(false));
  // Its rights say so.
  const uint32_t st = g.alloc(kFdstatSize);
  REQUIRE(g.call("fd_fdstat_get", {3, st}) == Errno::Success);
  const auto base = g.load<uint64_t>(st + 8);
  const auto inheriting = g.load<uint64_t>(st + 16);
  CHECK((base & kRightPathOpen) != 0);
  CHECK((base & (kRightPathCreateFile | kRightPathCreateDirectory | kRightPathUnlinkFile)) == 0);
  CHECK((inheriting & kRightFdRead) != 0);
  CHECK((inheriting & (kRightFdWrite | kRightFdFilestatSetSize | kRightFdAllocate)) == 0);

  // Reading works, also as wasi-libc asks: everything but write, masked by inheriting.
  uint32_t fd = 0;
  REQUIRE(g.open(3, "inside.txt", 0, (kAllRights & ~kRightFdWrite) & inheriting, 0, &fd) ==
          Errno::Success);
  CHECK(g.read(fd, 16) == "in");
  CHECK(g.write(fd, "x") == Errno::Notcapable);
  CHECK(g.call("fd_filestat_set_size", {fd, 0}) == Errno::Notcapable);
  CHECK(g.call("fd_filestat_set_times", {fd, 0, 0, kFstflagMtimNow}) == Errno::Notcapable);
  CHECK(g.call("fd_allocate", {fd, 0, 10}) == Errno::Notcapable);
  CHECK(g.call("fd_pwrite", {fd, g.iovecs({{kOut, 1}}), 1, 0, kOut}) == Errno::Notcapable);
  CHECK(g.call("fd_fdstat_set_rights", {fd, kRightFdWrite, 0}) == Errno::Notcapable);

  uint32_t other = 0;
  CHECK(g.open(3, "inside.txt", 0, kRightFdWrite, 0, &other) == Errno::Notcapable);
  CHECK(g.open(3, "inside.txt", 0, kRightFdRead | kRightFdFilestatSetSize, 0, &other) ==
        Errno::Notcapable);
  CHECK(g.open(3, "inside.txt", kOflagTrunc, kRightFdRead, 0, &other) == Errno::Notcapable);
  CHECK(g.open(3, "new.txt", kOflagCreat, kRightFdRead, 0, &other) == Errno::Notcapable);
  CHECK(g.at("path_create_directory", 3, "dir") == Errno::Notcapable);
  CHECK(g.at("path_remove_directory", 3, "a/b") == Errno::Notcapable);
  CHECK(g.at("path_unlink_file", 3, "inside.txt") == Errno::Notcapable);
  const uint32_t inside = g.put("inside.txt");
  const uint32_t other_name = g.put("moved.txt");
  CHECK(g.call("path_rename", {3, inside, 10, 3, other_name, 9}) == Errno::Notcapable);
  CHECK(g.call("path_link", {3, 0, inside, 10, 3, other_name, 9}) == Errno::Notcapable);
  CHECK(g.call("path_symlink", {inside, 10, 3, other_name, 9}) == Errno::Notcapable);
  CHECK(g.call("path_filestat_set_times", {3, 0, inside, 10, 0, 0, kFstflagMtimNow}) ==
        Errno::Notcapable);
  CHECK(g.call("fd_filestat_set_times", {3, 0, 0, kFstflagMtimNow}) == Errno::Notcapable);

  // A folder opened below it is read-only too, even when asked for every other right.
  uint32_t sub = 0;
  const uint64_t all_but_write =
      kAllRights & ~(kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize);
  REQUIRE(g.open(3, "a", kOflagDirectory, all_but_write, 0, &sub) == Errno::Success);
  CHECK(g.at("path_create_directory", sub, "c") == Errno::Notcapable);
  CHECK(g.open(sub, "f", kOflagCreat, kRightFdRead, 0, &other) == Errno::Notcapable);

  CHECK(*edgectl::read_text_file(j.jail / "inside.txt") == "in");
  CHECK_FALSE(fs::exists(j.jail / "moved.txt"));
  CHECK_FALSE(fs::exists(j.jail / "dir"));
  CHECK(fs::exists(j.jail / "a" / "b"));
}
