// Static routes: files below a folder, for GET and HEAD. Every path is resolved by the kernel
// beneath the folder's fd with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), as the WASI
// layer does for guests, so "..", absolute paths and symlinks that would leave the folder fail
// whatever the chain, with no window between a check and the open. Refusals are all a bare
// 404 so that a client learns nothing about what lies outside or why.
#include "http/static_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace edgectl::http {
namespace {

// openat2 says EAGAIN when a concurrent rename or mount raced a RESOLVE_BENEATH lookup and
// asks the caller to retry; a few attempts, then the request fails (500).
constexpr int kMaxOpenat2Attempts = 8;
constexpr std::string_view kIndexFile = "index.html";
constexpr std::string_view kAllowedMethods = "GET, HEAD";
// Browsers may keep the file but must revalidate (a cheap 304 with the ETag): files change
// under `edgectl serve` while developing, and a stale asset is worse than a round trip.
constexpr std::string_view kCacheControl = "no-cache";
// The one hidden folder a site is expected to publish (RFC 8615); other dot-names (.git,
// .env) are far more often leaked by accident than served on purpose.
constexpr std::string_view kWellKnownFolder = ".well-known";
constexpr std::string_view kDefaultContentType = "application/octet-stream";
constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

struct ContentType {
  std::string_view extension;  // lower case, without the dot
  std::string_view type;
};
// text/* carry the charset: without it browsers guess from the bytes.
constexpr ContentType kContentTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"json", "application/json"},  // always UTF-8 (RFC 8259 defines no charset)
    {"map", "application/json"},   // source maps are JSON
    {"xml", "application/xml"},    // the XML declaration names the encoding
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"wasm", "application/wasm"},
    {"woff2", "font/woff2"},
    {"pdf", "application/pdf"},
};

constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Closes the descriptor it owns.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

// Opens `path` (relative) for reading beneath `dir_fd`; on failure returns an invalid Fd and
// sets *err. O_NONBLOCK: opening a FIFO someone left in the folder must not hang the request.
Fd open_beneath(int dir_fd, const std::string& path, int* err) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 1;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return Fd(static_cast<int>(fd));
    if ((errno == EINTR || errno == EAGAIN) && attempt < kMaxOpenat2Attempts) continue;
    *err = errno;
    return Fd();
  }
}

// The errors that mean "nothing servable there" rather than "the server failed".
bool is_not_found(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case EXDEV:  // RESOLVE_BENEATH: the path would leave the folder
    case ELOOP:
    case EACCES:
    case EPERM:
    case ENAMETOOLONG:
    case ENXIO:  // a socket, or a device without a driver
      return true;
    default:
      return false;
  }
}

// path_info → a path relative to the root ("" for the root itself), or false when a segment
// is one the folder never serves ("..", hidden names) or the path holds a NUL.
bool relative_path(std::string_view path_info, std::string* out) {
  if (path_info.find('\0') != std::string_view::npos) return false;
  out->clear();
  size_t pos = 0;
  while (pos < path_info.size()) {
    size_t slash = path_info.find('/', pos);
    if (slash == std::string_view::npos) slash = path_info.size();
    const std::string_view segment = path_info.substr(pos, slash - pos);
    pos = slash + 1;
    if (segment.empty()) continue;  // leading, doubled or trailing slash
    if (segment.front() == '.' && segment != kWellKnownFolder) return false;
    if (!out->empty()) *out += '/';
    out->append(segment);
  }
  // Kept so that the kernel applies its meaning: "data.json/" names a folder, and is ENOTDIR.
  if (!out->empty() && path_info.ends_with('/')) *out += '/';
  return true;
}

std::string_view content_type_for(std::string_view file_name) {
  const size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return kDefaultContentType;
  std::string ext(file_name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  for (const auto& entry : kContentTypes)
    if (entry.extension == ext) return entry.type;
  return kDefaultContentType;
}

// A strong validator: it changes whenever the size or the modification time (to the
// nanosecond) does, which is when the bytes may have.
std::string etag_for(const struct stat& st) {
  const uint64_t mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u +
                            static_cast<uint64_t>(st.st_mtim.tv_nsec);
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(mtime_ns));
  return buf;
}

// IMF-fixdate (RFC 9110 §5.6.7), spelled out by hand: strftime's names follow the locale.
std::string http_date(time_t t) {
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kWeekdays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// If-None-Match (RFC 9110 §13.1.2): "*", or a list of entity tags compared weakly (a "W/"
// prefix is ignored). Parsed tag by tag, since an opaque tag may itself contain a comma.
bool if_none_match_matches(std::string_view header, std::string_view etag) {
  size_t i = 0;
  while (i < header.size()) {
    const char c = header[i];
    if (c == ' ' || c == '\t' || c == ',') {
      ++i;
      continue;
    }
    if (c == '*') return true;
    if (header.substr(i, 2) == "W/") i += 2;
    if (i >= header.size() || header[i] != '"') return false;  // malformed: ignore the rest
    const size_t close = header.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    if (header.substr(i, close + 1 - i) == etag) return true;
    i = close + 1;
  }
  return false;
}

// A HEAD answer is a GET answer without the body.
enum class Reply { WithBody, HeadersOnly };

StaticResult plain(int status, std::string_view text, Reply reply) {
  StaticResult r;
  r.status = status;
  r.headers.emplace_back("Content-Type", kTextPlain);
  if (reply == Reply::WithBody) r.body = std::string(text) + "\n";
  return r;
}

StaticResult not_found(Reply reply) {
  return plain(404, "Not Found", reply);
}

StaticResult server_error(std::string why, Reply reply) {
  StaticResult r = plain(500, "Internal Server Error", reply);
  r.error = std::move(why);
  return r;
}

// The file to serve: `relative`, or the index of the folder it names. On failure the Fd is
// invalid and *err says why.
struct Target {
  Fd fd;
  struct stat st {};
  std::string name;  // relative to the root, as opened: "docs/index.html"
};

Target open_target(int root_fd, const std::string& relative, int* err) {
  Target t;
  t.name = relative;
  auto open_and_stat = [&](const std::string& path) {
    t.fd = open_beneath(root_fd, path, err);
    if (t.fd.valid() && ::fstat(t.fd.get(), &t.st) != 0) {
      *err = errno;
      t.fd = Fd();
    }
  };
  open_and_stat(relative.empty() ? "." : relative);
  if (t.fd.valid() && S_ISDIR(t.st.st_mode)) {
    // The index is opened beneath the root, not beneath the folder, so that an index.html
    // symlink to a sibling folder works while one leaving the root still fails.
    t.name = relative.empty() || relative.ends_with('/') ? relative : relative + "/";
    t.name += kIndexFile;
    open_and_stat(t.name);
  }
  return t;
}

std::string_view base_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

StaticResult serve_static(const std::filesystem::path& root, std::string_view path_info,
                          std::string_view method, std::string_view if_none_match) {
  const Reply reply = method == "HEAD" ? Reply::HeadersOnly : Reply::WithBody;
  if (method != "GET" && method != "HEAD") {
    StaticResult r = plain(405, "Method Not Allowed", reply);
    r.headers.emplace_back("Allow", kAllowedMethods);
    return r;
  }
  std::string relative;
  if (!relative_path(path_info, &relative)) return not_found(reply);

  const Fd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid())
    return server_error("static folder " + root.string() + ": " + std::strerror(errno), reply);

  int err = 0;
  const Target target = open_target(root_fd.get(), relative, &err);
  const std::string shown = (root / target.name).string();  // for the log only
  if (!target.fd.valid()) {
    if (is_not_found(err)) return not_found(reply);
    return server_error("static file " + shown + ": " + std::strerror(err), reply);
  }
  const struct stat& st = target.st;
  if (!S_ISREG(st.st_mode)) return not_found(reply);  // a FIFO, a device, an index.html folder
  if (static_cast<uint64_t>(st.st_size) > kMaxStaticFileBytes)
    return server_error("static file " + shown + " is larger than " +
                            std::to_string(kMaxStaticFileBytes / (1024 * 1024)) +
                            " MiB, the most a static route serves",
                        reply);

  const std::string etag = etag_for(st);
  if (!if_none_match.empty() && if_none_match_matches(if_none_match, etag)) {
    StaticResult r;
    r.status = 304;
    r.headers.emplace_back("ETag", etag);
    r.headers.emplace_back("Cache-Control", kCacheControl);
    return r;
  }

  StaticResult r;
  size_t length = static_cast<size_t>(st.st_size);
  if (reply == Reply::WithBody) {
    r.body.resize(length);
    size_t got = 0;
    while (got < r.body.size()) {
      const ssize_t n = ::read(target.fd.get(), r.body.data() + got, r.body.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return server_error("static file " + shown + ": " + std::strerror(errno), reply);
      if (n == 0) break;  // truncated while we read: send what is there, with its true length
      got += static_cast<size_t>(n);
    }
    r.body.resize(got);
    length = got;
  }
  r.headers.emplace_back("Content-Type", content_type_for(base_name(target.name)));
  r.headers.emplace_back("Content-Length", std::to_string(length));
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Last-Modified", http_date(st.st_mtim.tv_sec));
  r.headers.emplace_back("Cache-Control", kCacheControl);
  return r;
}

}  // namespace edgectl::http
