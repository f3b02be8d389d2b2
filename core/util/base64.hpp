#pragma once
// Base64 (RFC 4648, with padding) through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock: for
// HTTP Basic credentials and docker's config.json.
#include <optional>
#include <string>
#include <string_view>

namespace edgectl {

std::string base64_encode(std::string_view bytes);
// nullopt: not base64 (a trailing newline is allowed).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace edgectl
