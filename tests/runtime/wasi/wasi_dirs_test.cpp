// Folders and names: create/remove, fd_readdir with cookies and small buffers, rename, unlink,
// link, symlink, readlink.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "util/fs.hpp"
#include "wasi_harness.hpp"

using namespace edgectl::test::wasi;
using edgectl::TempDir;
namespace fs = std::filesystem;

EDGECTL_WASI_COVERS("path_create_directory", "path_remove_directory", "fd_readdir", "path_rename",
                    "path_unlink_file", "path_link", "path_symlink", "path_readlink");

namespace {

Guest writable_guest(const TempDir& dir) {
  WasiConfig c = Guest::buffered();
  c.preopens.push_back(Preopen{dir.path(), "/data", true});
  return Guest(std::move(c));
}

void touch(const fs::path& p, std::string_view text = "") {
  REQUIRE(edgectl::write_file_atomic(p, text).ok());
}

struct Dirent {
  uint64_t next;
  uint64_t ino;
  uint8_t type;
  std::string name;
};

// Parses whole entries out of an fd_readdir buffer; `cut` is set when the last is partial.
std::vector<Dirent> parse(const Guest& g, uint32_t buf, uint32_t used, bool* cut = nullptr) {
  std::vector<Dirent> out;
  uint32_t pos = 0;
  if (cut) *cut = false;
  while (pos < used) {
    if (used - pos < kDirentSize) {
      if (cut) *cut = true;
      break;
    }
    Dirent d{
        g.load<uint64_t>(buf + pos), g.load<uint64_t>(buf + pos + 8), g.mem[buf + pos + 20], {}};
    const auto namlen = g.load<uint32_t>(buf + pos + 16);
    pos += kDirentSize;
    if (used - pos < namlen) {
      if (cut) *cut = true;
      break;
    }
    d.name = g.text(buf + pos, namlen);
    pos += namlen;
    out.push_back(d);
  }
  return out;
}

}  // namespace

TEST_CASE("wasi: create and remove folders, with the errors POSIX gives") {
  TempDir dir;
  Guest g = writable_guest(dir);
  REQUIRE(g.at("path_create_directory", 3, "a") == Errno::Success);
  REQUIRE(g.at("path_create_directory", 3, "a/b/") == Errno::Success);
  CHECK(fs::is_directory(dir.path() / "a" / "b"));
  CHECK(g.at("path_create_directory", 3, "a") == Errno::Exist);
  CHECK(g.at("path_create_directory", 3, "a/..") == Errno::Exist);
  CHECK(g.at("path_create_directory", 3, "x/y") == Errno::Noent);
  CHECK(g.at("path_create_directory", 3, "") == Errno::Noent);
  CHECK(g.at("path_remove_directory", 3, "a") == Errno::Notempty);
  touch(dir.path() / "a" / "file");
  CHECK(g.at("path_remove_directory", 3, "a/file") == Errno::Notdir);
  CHECK(g.at("path_remove_directory", 3, "a/b/.") == Errno::Inval);
  REQUIRE(g.at("path_remove_directory", 3, "a/b") == Errno::Success);
  CHECK_FALSE(fs::exists(dir.path() / "a" / "b"));
  CHECK(g.at("path_remove_directory", 3, "a/b") == Errno::Noent);
  // A path with a NUL names nothing the host could use.
  CHECK(g.call("path_create_directory", {3, g.put(std::string_view("c\0d", 3)), 3}) ==
        Errno::Inval);
  CHECK(g.call("path_create_directory", {3, kBadPtr, 4}) == Errno::Fault);
  CHECK(g.call("path_create_directory", {3, 16, 0xFFFFFFFF}) == Errno::Fault);
  CHECK(g.at("path_create_directory", kStdout, "z") == Errno::Notdir);
  CHECK(g.at("path_create_directory", 9, "z") == Errno::Badf);
}

TEST_CASE("wasi: fd_readdir lists everything, sorted, with types, cookies and inodes") {
  TempDir dir;
  touch(dir.path() / "b.txt", "bb");
  touch(dir.path() / "a.txt");
  fs::create_directory(dir.path() / "sub");
  fs::create_symlink("a.txt", dir.path() / "link");
  Guest g = writable_guest(dir);
  const uint32_t buf = g.alloc(4096);
  REQUIRE(g.call("fd_readdir", {3, buf, 4096, 0, kOut}) == Errno::Success);
  const auto used = g.load<uint32_t>(kOut);
  CHECK(used < 4096);  // the end was reached
  const auto entries = parse(g, buf, used);
  std::vector<std::string> names;
  for (const auto& e : entries) names.push_back(e.name);
  CHECK(names == std::vector<std::string>{".", "..", "a.txt", "b.txt", "link", "sub"});
  std::map<std::string, Dirent> by_name;
  for (size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].next == i + 1);
    by_name[entries[i].name] = entries[i];
  }
  CHECK(by_name["a.txt"].type == kFiletypeRegularFile);
  CHECK(by_name["sub"].type == kFiletypeDirectory);
  CHECK(by_name["link"].type == kFiletypeSymbolicLink);
  CHECK(by_name["."].type == kFiletypeDirectory);
  struct stat st {};
  REQUIRE(::lstat((dir.path() / "b.txt").c_str(), &st) == 0);
  CHECK(by_name["b.txt"].ino == st.st_ino);

  // Resuming from a cookie gives the rest; past the end gives nothing.
  REQUIRE(g.call("fd_readdir", {3, buf, 4096, 4, kOut}) == Errno::Success);
  const auto rest = parse(g, buf, g.load<uint32_t>(kOut));
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].name == "link");
  REQUIRE(g.call("fd_readdir", {3, buf, 4096, 100, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 0);
}

TEST_CASE("wasi: fd_readdir fills a small buffer, cutting the last entry, and pages by cookie") {
  TempDir dir;
  for (const char* name : {"alpha", "beta", "gamma-with-a-long-name"}) touch(dir.path() / name);
  Guest g = writable_guest(dir);
  const uint32_t buf = g.alloc(256);
  // 30 bytes: "." (25 bytes) and then 5 bytes of ".."'s header.
  REQUIRE(g.call("fd_readdir", {3, buf, 30, 0, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 30);  // full: the guest must not take this as the end
  bool cut = false;
  auto got = parse(g, buf, 30, &cut);
  REQUIRE(got.size() == 1);
  CHECK(got[0].name == ".");
  CHECK(cut);

  // A guest pages through with the d_next of the last whole entry, as wasi-libc does.
  std::vector<std::string> names;
  uint64_t cookie = 0;
  for (int round = 0; round < 20; ++round) {
    REQUIRE(g.call("fd_readdir", {3, buf, 60, cookie, kOut}) == Errno::Success);
    const auto used = g.load<uint32_t>(kOut);
    const auto page = parse(g, buf, used);
    for (const auto& e : page) names.push_back(e.name);
    if (used < 60) break;
    REQUIRE_FALSE(page.empty());  // 60 bytes hold each of these entries
    cookie = page.back().next;
  }
  CHECK(names == std::vector<std::string>{".", "..", "alpha", "beta", "gamma-with-a-long-name"});

  // A buffer smaller than one header still fills completely.
  REQUIRE(g.call("fd_readdir", {3, buf, 10, 2, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 10);
  CHECK(g.load<uint64_t>(buf) == 3);  // d_next of "alpha"
  CHECK(g.call("fd_readdir", {3, buf, 0, 0, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 0);
}

TEST_CASE("wasi: fd_readdir sees changes after a rewind to cookie 0, and works on opened folders") {
  TempDir dir;
  fs::create_directory(dir.path() / "d");
  Guest g = writable_guest(dir);
  uint32_t d = 0;
  REQUIRE(g.open(3, "d", kOflagDirectory, kAllRights, 0, &d) == Errno::Success);
  const uint32_t buf = g.alloc(512);
  REQUIRE(g.call("fd_readdir", {d, buf, 512, 0, kOut}) == Errno::Success);
  CHECK(parse(g, buf, g.load<uint32_t>(kOut)).size() == 2);
  const uint32_t f = g.open_rw(d, "new");
  REQUIRE(g.call("fd_readdir", {d, buf, 512, 0, kOut}) == Errno::Success);
  const auto entries = parse(g, buf, g.load<uint32_t>(kOut));
  REQUIRE(entries.size() == 3);
  CHECK(entries[2].name == "new");
  // Not a folder, or not readable this way.
  CHECK(g.call("fd_readdir", {f, buf, 512, 0, kOut}) == Errno::Notdir);
  CHECK(g.call("fd_readdir", {kStdin, buf, 512, 0, kOut}) == Errno::Notdir);
  CHECK(g.call("fd_readdir", {d, kBadPtr, 512, 0, kOut}) == Errno::Fault);
  CHECK(g.call("fd_readdir", {d, buf, 512, 0, kBadPtr}) == Errno::Fault);
}

TEST_CASE("wasi: rename and unlink") {
  TempDir dir;
  Guest g = writable_guest(dir);
  touch(dir.path() / "old", "content");
  fs::create_directory(dir.path() / "d");
  const uint32_t o = g.put("old");
  const uint32_t n = g.put("d/new");
  REQUIRE(g.call("path_rename", {3, o, 3, 3, n, 5}) == Errno::Success);
  CHECK_FALSE(fs::exists(dir.path() / "old"));
  CHECK(*edgectl::read_text_file(dir.path() / "d" / "new") == "content");
  CHECK(g.call("path_rename", {3, o, 3, 3, n, 5}) == Errno::Noent);
  // Across two directory fds.
  uint32_t d = 0;
  REQUIRE(g.open(3, "d", kOflagDirectory, kAllRights, 0, &d) == Errno::Success);
  const uint32_t back = g.put("back");
  REQUIRE(g.call("path_rename", {d, g.put("new"), 3, 3, back, 4}) == Errno::Success);
  CHECK(fs::exists(dir.path() / "back"));
  CHECK(g.call("path_rename", {3, g.put("."), 1, 3, g.put("x"), 1}) == Errno::Inval);

  CHECK(g.at("path_unlink_file", 3, "d") == Errno::Isdir);
  CHECK(g.at("path_unlink_file", 3, "back/") == Errno::Notdir);
  REQUIRE(g.at("path_unlink_file", 3, "back") == Errno::Success);
  CHECK_FALSE(fs::exists(dir.path() / "back"));
  CHECK(g.at("path_unlink_file", 3, "back") == Errno::Noent);
  CHECK(g.call("path_rename", {3, kBadPtr, 3, 3, back, 4}) == Errno::Fault);
  CHECK(g.call("path_rename", {3, back, 4, kStdout, back, 4}) == Errno::Notdir);
}

TEST_CASE("wasi: hard links, symlinks and readlink") {
  TempDir dir;
  Guest g = writable_guest(dir);
  touch(dir.path() / "target", "T");
  REQUIRE(g.call("path_link", {3, 0, g.put("target"), 6, 3, g.put("hard"), 4}) == Errno::Success);
  struct stat st {};
  REQUIRE(::stat((dir.path() / "hard").c_str(), &st) == 0);
  CHECK(st.st_nlink == 2);
  CHECK(g.call("path_link", {3, 0, g.put("target"), 6, 3, g.put("hard"), 4}) == Errno::Exist);
  CHECK(g.call("path_link", {3, kLookupSymlinkFollow, g.put("target"), 6, 3, g.put("h2"), 2}) ==
        Errno::Inval);

  REQUIRE(g.call("path_symlink", {g.put("target"), 6, 3, g.put("sym"), 3}) == Errno::Success);
  std::error_code ec;
  CHECK(fs::read_symlink(dir.path() / "sym", ec) == "target");
  CHECK(g.call("path_symlink", {g.put("target"), 6, 3, g.put("sym"), 3}) == Errno::Exist);

  const uint32_t buf = g.alloc(64, 1);
  const uint32_t sym = g.put("sym");
  REQUIRE(g.call("path_readlink", {3, sym, 3, buf, 64, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 6);
  CHECK(g.text(buf, 6) == "target");
  // A short buffer gets the start of the target, like readlink(2).
  REQUIRE(g.call("path_readlink", {3, sym, 3, buf, 3, kOut}) == Errno::Success);
  CHECK(g.load<uint32_t>(kOut) == 3);
  CHECK(g.call("path_readlink", {3, g.put("target"), 6, buf, 64, kOut}) == Errno::Inval);
  CHECK(g.call("path_readlink", {3, sym, 3, kBadPtr, 64, kOut}) == Errno::Fault);

  // Following the link or not, in stat and open.
  uint32_t stat_buf = 0;
  REQUIRE(g.filestat(3, "sym", 0, &stat_buf) == Errno::Success);
  CHECK(g.mem[stat_buf + kFilestatFiletypeOffset] == kFiletypeSymbolicLink);
  REQUIRE(g.filestat(3, "sym", kLookupSymlinkFollow, &stat_buf) == Errno::Success);
  CHECK(g.mem[stat_buf + kFilestatFiletypeOffset] == kFiletypeRegularFile);
  uint32_t fd = 0;
  CHECK(g.open(3, "sym", 0, kRightFdRead, 0, &fd, 0) == Errno::Loop);
  REQUIRE(g.open(3, "sym", 0, kRightFdRead, 0, &fd) == Errno::Success);
  CHECK(g.read(fd, 8) == "T");
  REQUIRE(g.at("path_unlink_file", 3, "sym") == Errno::Success);
  CHECK(fs::exists(dir.path() / "target"));
}
