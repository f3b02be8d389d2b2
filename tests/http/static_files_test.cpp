// Static routes: a real folder in a TempDir, served through serve_static, including every
// way out of it (.., absolute paths, symlinks) and the conditional-request rules.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "http/static_files.hpp"
#include "util/fs.hpp"

namespace edgectl::http {
namespace {

namespace fs = std::filesystem;
using Headers = std::vector<std::pair<std::string, std::string>>;

// A TempDir holding "site/" (the root served) and "outside/" (a sibling it must not reach).
struct Site {
  TempDir dir{"edgectl-static"};
  fs::path root = dir.path() / "site";
  fs::path outside = dir.path() / "outside";

  Site() {
    write("index.html", "<h1>home</h1>");
    write("docs/index.html", "<h1>docs</h1>");
    write("css/site.css", "body{}");
    write("data.json", "{}");
    write("empty.txt", "");
    write(".env", "SECRET=1");
    write(".git/config", "[core]");
    write(".well-known/security.txt", "Contact: x");
    write("nested/no-index/file.txt", "f");
    REQUIRE(write_file_atomic(outside / "secret.txt", std::string_view("top secret")).ok());
  }
  void write(const std::string& rel, std::string_view text) const {
    REQUIRE(write_file_atomic(root / rel, text).ok());
  }
  StaticResult get(std::string_view path, std::string_view inm = "") const {
    return serve_static(root, path, "GET", inm);
  }
};

std::string header(const StaticResult& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "(unset)";
}

void set_mtime(const fs::path& path, time_t sec, long nsec) {
  const struct timespec times[2] = {{sec, nsec}, {sec, nsec}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

// Every refusal looks the same as a missing file.
void check_not_found(const StaticResult& r, std::string_view path) {
  CHECK_MESSAGE(r.status == 404, path);
  CHECK_MESSAGE(r.body == "Not Found\n", path);
  CHECK_MESSAGE((r.headers == Headers{{"Content-Type", "text/plain; charset=utf-8"}}), path);
}

TEST_CASE("static: a file with its type, length, validators and cache policy") {
  Site site;
  set_mtime(site.root / "css/site.css", 784111777, 123);  // Sun, 06 Nov 1994 08:49:37 GMT
  const StaticResult r = site.get("/css/site.css");
  CHECK(r.status == 200);
  CHECK(r.body == "body{}");
  CHECK(header(r, "Content-Type") == "text/css; charset=utf-8");
  CHECK(header(r, "Content-Length") == "6");
  CHECK(header(r, "ETag") == "\"6-ae1b981bc490a7b\"");  // hex size - hex mtime in ns
  CHECK(header(r, "Last-Modified") == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(header(r, "Cache-Control") == "no-cache");
  CHECK(r.error.empty());

  const StaticResult empty = site.get("/empty.txt");
  CHECK(empty.status == 200);
  CHECK(empty.body == "");
  CHECK(header(empty, "Content-Length") == "0");
}

TEST_CASE("static: the root and folders serve their index.html") {
  Site site;
  for (const char* path : {"", "/", "//"}) {
    const StaticResult r = site.get(path);
    CHECK_MESSAGE(r.status == 200, path);
    CHECK(r.body == "<h1>home</h1>");
    CHECK(header(r, "Content-Type") == "text/html; charset=utf-8");
  }
  for (const char* path : {"/docs", "/docs/", "docs"}) {
    const StaticResult r = site.get(path);
    CHECK_MESSAGE(r.status == 200, path);
    CHECK(r.body == "<h1>docs</h1>");
  }
  check_not_found(site.get("/nested/no-index"), "folder without index.html");
  fs::create_directories(site.root / "odd" / "index.html");  // an index that is a folder
  check_not_found(site.get("/odd/"), "index.html folder");
}

TEST_CASE("static: Content-Type from the extension") {
  Site site;
  const std::pair<const char*, const char*> cases[] = {
      {"a.html", "text/html; charset=utf-8"},
      {"a.css", "text/css; charset=utf-8"},
      {"a.js", "text/javascript; charset=utf-8"},
      {"a.mjs", "text/javascript; charset=utf-8"},
      {"a.json", "application/json"},
      {"a.txt", "text/plain; charset=utf-8"},
      {"a.svg", "image/svg+xml"},
      {"a.png", "image/png"},
      {"a.jpg", "image/jpeg"},
      {"a.jpeg", "image/jpeg"},
      {"a.gif", "image/gif"},
      {"a.webp", "image/webp"},
      {"a.ico", "image/x-icon"},
      {"a.wasm", "application/wasm"},
      {"a.woff2", "font/woff2"},
      {"a.pdf", "application/pdf"},
      {"a.xml", "application/xml"},
      {"a.js.map", "application/json"},
      {"PHOTO.JPG", "image/jpeg"},
      {"a.unknown", "application/octet-stream"},
      {"Makefile", "application/octet-stream"},
      {"archive.tar.gz", "application/octet-stream"},
  };
  for (const auto& [name, type] : cases) {
    site.write(std::string("types/") + name, "x");
    CHECK_MESSAGE(header(site.get(std::string("/types/") + name), "Content-Type") == type, name);
  }
}

TEST_CASE("static: only GET and HEAD") {
  Site site;
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"}) {
    const StaticResult r = serve_static(site.root, "/index.html", method, "");
    CHECK_MESSAGE(r.status == 405, method);
    CHECK(header(r, "Allow") == "GET, HEAD");
  }
  // Also where nothing exists: the method is refused first.
  CHECK(serve_static(site.root, "/missing", "POST", "").status == 405);
}

TEST_CASE("static: HEAD has GET's headers, the file's length and no body") {
  Site site;
  const StaticResult get = site.get("/data.json");
  const StaticResult head = serve_static(site.root, "/data.json", "HEAD", "");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers == get.headers);
  CHECK(header(head, "Content-Length") == "2");
  const StaticResult missing = serve_static(site.root, "/missing", "HEAD", "");
  CHECK(missing.status == 404);
  CHECK(missing.body.empty());
}

TEST_CASE("static: missing files, '..' and absolute paths are 404") {
  Site site;
  check_not_found(site.get("/missing.html"), "missing");
  check_not_found(site.get("/data.json/"), "a file with a trailing slash");
  check_not_found(site.get("/../outside/secret.txt"), "..");
  check_not_found(site.get("/css/../../outside/secret.txt"), "deeper ..");
  check_not_found(site.get("/css/../index.html"), ".. that stays inside");  // refused all the same
  check_not_found(site.get(".."), "bare ..");
  check_not_found(site.get((site.outside / "secret.txt").string()), "absolute path");
  check_not_found(site.get("//" + (site.outside / "secret.txt").string()),
                  "doubled slash absolute path");
  check_not_found(site.get(std::string("/index.html\0.png", 16)), "NUL");
}

TEST_CASE("static: symlinks are followed only while they stay below the root") {
  Site site;
  fs::create_symlink("../outside/secret.txt", site.root / "leak.txt");
  fs::create_symlink(site.outside / "secret.txt", site.root / "abs-leak.txt");
  fs::create_symlink("../outside", site.root / "leak-dir");
  fs::create_symlink("step2", site.root / "step1");  // a chain that ends outside
  fs::create_symlink("../outside/secret.txt", site.root / "step2");
  fs::create_symlink("css/site.css", site.root / "alias.css");  // stays inside
  fs::create_symlink("docs", site.root / "manual");
  fs::create_directories(site.root / "trap");
  fs::create_symlink("../../outside/secret.txt", site.root / "trap" / "index.html");
  fs::create_symlink("/etc", site.root / "etc");

  for (const char* path : {"/leak.txt", "/abs-leak.txt", "/leak-dir/secret.txt", "/step1", "/step2",
                           "/trap/", "/etc/passwd", "/etc/hostname"})
    check_not_found(site.get(path), path);

  const StaticResult alias = site.get("/alias.css");
  CHECK(alias.status == 200);
  CHECK(alias.body == "body{}");
  CHECK(header(alias, "Content-Type") == "text/css; charset=utf-8");
  const StaticResult manual = site.get("/manual/");
  CHECK(manual.status == 200);
  CHECK(manual.body == "<h1>docs</h1>");
}

TEST_CASE("static: hidden files are 404, .well-known is served") {
  Site site;
  check_not_found(site.get("/.env"), ".env");
  check_not_found(site.get("/.git/config"), ".git");
  check_not_found(site.get("/./index.html"), "dot segment");
  const StaticResult r = site.get("/.well-known/security.txt");
  CHECK(r.status == 200);
  CHECK(r.body == "Contact: x");
}

TEST_CASE("static: a FIFO or a socket is 404, without hanging") {
  Site site;
  REQUIRE(::mkfifo((site.root / "pipe").c_str(), 0644) == 0);
  check_not_found(site.get("/pipe"), "fifo");
  CHECK(serve_static(site.root, "/pipe", "HEAD", "").status == 404);
  const int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(sock >= 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = (site.root / "sock").string();
  REQUIRE(sock_path.size() < sizeof addr.sun_path);
  std::copy(sock_path.begin(), sock_path.end(), addr.sun_path);
  REQUIRE(::bind(sock, reinterpret_cast<const struct sockaddr*>(&addr), sizeof addr) == 0);
  check_not_found(site.get("/sock"), "socket");
  ::close(sock);
}

TEST_CASE("static: If-None-Match with the ETag is a 304") {
  Site site;
  const StaticResult first = site.get("/index.html");
  const std::string etag = header(first, "ETag");
  REQUIRE(etag.starts_with("\""));
  for (const std::string& inm : {etag, "W/" + etag, "\"nope\", " + etag, "\"a,b\",W/" + etag,
                                 std::string("*"), std::string(" * ")}) {
    const StaticResult r = site.get("/index.html", inm);
    CHECK_MESSAGE(r.status == 304, inm);
    CHECK(r.body.empty());
    CHECK(r.headers == Headers{{"ETag", etag}, {"Cache-Control", "no-cache"}});
  }
  CHECK(serve_static(site.root, "/", "HEAD", etag).status == 304);  // the index has the same ETag
  for (const std::string& inm : {std::string("\"nope\""), etag.substr(1), std::string("garbage")}) {
    CHECK_MESSAGE(site.get("/index.html", inm).status == 200, inm);
  }
  check_not_found(site.get("/missing", "*"), "* on a missing file");

  // A change to the file changes the ETag: the old one no longer matches.
  set_mtime(site.root / "index.html", 1'700'000'000, 0);
  const StaticResult changed = site.get("/index.html", etag);
  CHECK(changed.status == 200);
  CHECK(header(changed, "ETag") != etag);
  site.write("index.html", "<h1>home, longer</h1>");
  CHECK(header(site.get("/index.html"), "ETag") != header(changed, "ETag"));
}

TEST_CASE("static: a file over the size limit is a 500 that says why") {
  Site site;
  const fs::path big = site.root / "big.bin";
  {
    const int fd = ::open(big.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, static_cast<off_t>(kMaxStaticFileBytes + 1)) == 0);  // sparse: cheap
    ::close(fd);
  }
  const StaticResult r = site.get("/big.bin");
  CHECK(r.status == 500);
  CHECK(r.error.find("64 MiB") != std::string::npos);
  CHECK(r.body.find("big.bin") == std::string::npos);  // the host path stays in the log
  CHECK(r.body.find(site.root.string()) == std::string::npos);

  fs::resize_file(big, kMaxStaticFileBytes);  // at the limit: served (HEAD, so nothing is read)
  const StaticResult head = serve_static(site.root, "/big.bin", "HEAD", "");
  CHECK(head.status == 200);
  CHECK(header(head, "Content-Length") == std::to_string(kMaxStaticFileBytes));
}

TEST_CASE("static: a missing root is a 500 that does not show the path") {
  TempDir dir("edgectl-static");
  const StaticResult r = serve_static(dir.path() / "nope", "/index.html", "GET", "");
  CHECK(r.status == 500);
  CHECK(r.error.find("nope") != std::string::npos);
  CHECK(r.body == "Internal Server Error\n");
}

}  // namespace
}  // namespace edgectl::http
