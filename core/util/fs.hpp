#pragma once
// File helpers: whole-file reads, atomic writes (temp file in the same folder, fsync,
// rename), and scratch folders that clean up after themselves.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace edgectl {

using Bytes = std::vector<uint8_t>;

Result<Bytes> read_file(const std::filesystem::path& path);
Result<std::string> read_text_file(const std::filesystem::path& path);

// Writes `data` to `path` so that readers see either the old file or the whole new one,
// never a partial write: the bytes go to a temporary file beside `path`, are flushed to
// disk, and the temporary is renamed over `path`. On failure `path` is left untouched.
// Parent folders are created. `mode` sets the permission bits of the new file.
Status write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> data,
                         std::filesystem::perms mode = static_cast<std::filesystem::perms>(0644));
Status write_file_atomic(const std::filesystem::path& path, std::string_view text,
                         std::filesystem::perms mode = static_cast<std::filesystem::perms>(0644));

// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "edgectl");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace edgectl
