// WebSocket framing (see ws_frame.hpp).
#include "http/ws_frame.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace edgectl::http::ws {
namespace {

// RFC 6455 §1.3: appended to the client's key before hashing.
constexpr std::string_view kHandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
// A Sec-WebSocket-Key is base64 of 16 random bytes.
constexpr size_t kClientKeyChars = 24;

bool is_control(Opcode op) { return static_cast<uint8_t>(op) & 0x8; }

bool known(uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

}  // namespace

ParsedHeader parse_header(std::string_view bytes) {
  ParsedHeader out;
  if (bytes.size() < 2) return out;
  const auto b0 = static_cast<uint8_t>(bytes[0]), b1 = static_cast<uint8_t>(bytes[1]);
  auto fail = [&](uint16_t code, const char* why) {
    out.status = ParseStatus::Error;
    out.close_code = code;
    out.why = why;
    return out;
  };
  if (b0 & 0x70) return fail(kCloseProtocol, "reserved bits set (no extension was negotiated)");
  if (!known(b0 & 0x0F)) return fail(kCloseProtocol, "unknown opcode");
  FrameHeader& h = out.header;
  h.fin = b0 & 0x80;
  h.opcode = static_cast<Opcode>(b0 & 0x0F);
  h.masked = b1 & 0x80;
  if (!h.masked) return fail(kCloseProtocol, "a client frame was not masked");
  uint64_t length = b1 & 0x7F;
  size_t at = 2;
  if (length == 126 || length == 127) {
    const size_t n = length == 126 ? 2 : 8;
    if (bytes.size() < at + n) return out;
    length = 0;
    for (size_t i = 0; i < n; ++i) length = (length << 8) | static_cast<uint8_t>(bytes[at + i]);
    at += n;
    if (n == 8 && (length >> 63)) return fail(kCloseProtocol, "frame length's top bit set");
  }
  if (is_control(h.opcode)) {
    if (!h.fin) return fail(kCloseProtocol, "a fragmented control frame");
    if (length > kMaxControlPayload) return fail(kCloseProtocol, "a control frame over 125 bytes");
  }
  if (bytes.size() < at + 4) return out;
  std::memcpy(h.mask, bytes.data() + at, 4);
  at += 4;
  h.length = length;
  h.header_bytes = at;
  out.status = ParseStatus::Frame;
  return out;
}

void unmask(char* data, size_t size, const uint8_t mask[4], uint64_t offset) {
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>(data[i] ^ mask[(offset + i) & 3]);
}

std::string encode_frame(Opcode opcode, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 10);
  out += static_cast<char>(0x80 | static_cast<uint8_t>(opcode));
  const uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  }
  out.append(payload);
  return out;
}

std::string encode_close(uint16_t code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  reason = reason.substr(0, kMaxControlPayload - 2);
  // Do not cut a UTF-8 sequence in two: drop continuation bytes at the cut.
  while (!reason.empty() && !valid_utf8(reason)) reason.remove_suffix(1);
  payload.append(reason);
  return encode_frame(Opcode::Close, payload);
}

uint16_t parse_close_code(std::string_view payload) {
  if (payload.empty()) return 1005;
  if (payload.size() == 1) return 0;
  const uint16_t code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                              static_cast<uint8_t>(payload[1]));
  const bool allowed = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                       (code >= 3000 && code <= 4999);
  if (!allowed || !valid_utf8(payload.substr(2))) return 0;
  return code;
}

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string accept_key(std::string_view client_key) {
  std::string input(client_key);
  input += kHandshakeGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  unsigned char encoded[64];
  const int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(size));
  return std::string(reinterpret_cast<char*>(encoded), static_cast<size_t>(n));
}

bool valid_client_key(std::string_view key) {
  if (key.size() != kClientKeyChars || !key.ends_with("==")) return false;
  return std::all_of(key.begin(), key.end() - 2,
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'; });
}

}  // namespace edgectl::http::ws
