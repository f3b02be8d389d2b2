#pragma once
// SHA-256 through OpenSSL's EVP interface (digests are never hand-rolled).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace edgectl {

// Incremental hasher: update() any number of times, then hex() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(std::span<const uint8_t> bytes);
  Sha256& update(std::string_view text);
  std::string hex();  // 64 lowercase hex digits; the hasher is finished after this

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::span<const uint8_t> bytes);
std::string sha256_hex(std::string_view text);
Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace edgectl
