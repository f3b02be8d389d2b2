#include "util/sha256.hpp"

// OpenSSL's one-shot SHA-256 context (SHA256_Init/Update/Final) rather than EVP: in OpenSSL 3
// the first EVP digest fetch initialises the provider machinery (~3.5 M instructions, most
// of `edgectl run`'s start-up), while these functions run the same SHA-256 code directly.
// They are marked deprecated in 3.0 but remain part of its API.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <fstream>
#include <vector>

namespace edgectl {

struct Sha256::Ctx {
  SHA256_CTX sha;
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) { SHA256_Init(&ctx_->sha); }
Sha256::~Sha256() = default;

Sha256& Sha256::update(std::span<const uint8_t> bytes) {
  SHA256_Update(&ctx_->sha, bytes.data(), bytes.size());
  return *this;
}
Sha256& Sha256::update(std::string_view text) {
  SHA256_Update(&ctx_->sha, text.data(), text.size());
  return *this;
}

std::string Sha256::hex() {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256_Final(out, &ctx_->sha);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char byte : out) {
    s.push_back(kHex[byte >> 4]);
    s.push_back(kHex[byte & 15]);
  }
  return s;
}

std::string sha256_hex(std::span<const uint8_t> bytes) { return Sha256().update(bytes).hex(); }
std::string sha256_hex(std::string_view text) { return Sha256().update(text).hex(); }

Result<std::string> sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot open file", FileLocation{path.string()});
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return Error("read error", FileLocation{path.string()});
  return h.hex();
}

}  // namespace edgectl
