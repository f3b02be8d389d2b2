#include "util/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace edgectl {
namespace {

Error errno_error(const std::string& what, const fs::path& path, int err) {
  return Error(what + ": " + std::strerror(err), FileLocation{path.string()});
}

}  // namespace

namespace {

// Reads the whole file into `out` (a std::string or Bytes): sized from fstat and read in
// place, growing only if the file grows while being read (big modules: no copies, no
// reallocation).
template <typename Buffer>
Status read_into(const fs::path& path, Buffer& out) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Error("is a directory, not a file", FileLocation{path.string()});
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot open", path, errno);
  struct stat st {};
  size_t size = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) size = static_cast<size_t>(st.st_size);
  out.resize(size + 1);  // one more byte: a read of 0 there confirms the end
  size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2 + (1 << 16));
    ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return errno_error("cannot read", path, err);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(used);
  return {};
}

}  // namespace

Result<Bytes> read_file(const fs::path& path) {
  Bytes out;
  if (auto s = read_into(path, out); !s) return std::move(s).error();
  return out;
}

Result<std::string> read_text_file(const fs::path& path) {
  std::string out;
  if (auto s = read_into(path, out); !s) return std::move(s).error();
  return out;
}

Status write_file_atomic(const fs::path& path, std::span<const uint8_t> data, fs::perms mode) {
  std::error_code ec;
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  fs::create_directories(dir, ec);
  if (ec) return Error("cannot create folder: " + ec.message(), FileLocation{dir.string()});
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return errno_error("cannot create temporary file", path, errno);
  auto fail = [&](const char* what) {
    int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    return errno_error(what, path, err);
  };
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("cannot set permissions");
  if (::fsync(fd) != 0) return fail("cannot flush to disk");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return errno_error("cannot close", path, err);
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return errno_error("cannot rename into place", path, err);
  }
  return {};
}

Status write_file_atomic(const fs::path& path, std::string_view text, fs::perms mode) {
  return write_file_atomic(
      path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()), mode);
}

TempDir::TempDir(std::string_view prefix) {
  std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary folder");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace edgectl
