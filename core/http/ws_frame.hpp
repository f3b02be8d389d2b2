#pragma once
// WebSocket framing (RFC 6455 §5) and the opening handshake's accept key (§4.2.2), as plain
// functions over bytes: the server's connection code (server.cpp) reads and writes sockets,
// these decide what the bytes mean, and are unit-tested without a socket.
//
// Why our own and not Beast's websocket::stream: a stream holds about 3 KB of heap from the
// start (buffers, timers, deflate state), so 10,000 idle connections would cost ~30 MB; the
// server's budget is ~1 KB per idle connection (docs/benchmarks.md). Framing is small and
// fully specified; the connection keeps no buffer at all while idle.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgectl::http::ws {

enum class Opcode : uint8_t {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xA,
};

// Close codes the server sends (RFC 6455 §7.4.1, plus 4001 of docs/contract.md).
enum CloseCode : uint16_t {
  kCloseNormal = 1000,
  kCloseGoingAway = 1001,    // idle timeout, server stopping
  kCloseProtocol = 1002,     // a frame breaking RFC 6455
  kCloseBadData = 1007,      // a text message that is not UTF-8
  kClosePolicy = 1008,       // the send queue overflowed (a reader too slow)
  kCloseTooBig = 1009,       // a message over the limit
  kCloseInternal = 1011,     // the guest refused the connection (open event failed)
  kCloseNoHeartbeat = 4001,  // no answer to a ping in time
};

// A control frame's payload is at most this long (§5.5).
inline constexpr size_t kMaxControlPayload = 125;

struct FrameHeader {
  bool fin = false;
  Opcode opcode = Opcode::Continuation;
  bool masked = false;
  uint8_t mask[4]{};
  uint64_t length = 0;       // payload bytes
  size_t header_bytes = 0;   // 2 to 14
};

enum class ParseStatus { Frame, NeedMore, Error };

struct ParsedHeader {
  ParseStatus status = ParseStatus::NeedMore;
  FrameHeader header;
  uint16_t close_code = 0;  // with Error: the code to close with
  const char* why = "";     // with Error
};

// Reads a frame header from the start of `bytes` (a client's frame: it must be masked). Checks
// what the header alone can tell: reserved bits clear (no extension is negotiated), a known
// opcode, control frames unfragmented and at most 125 bytes, the shortest length encoding
// not required (§5.2 allows any) but a 64-bit length's top bit clear.
ParsedHeader parse_header(std::string_view bytes);

// XORs `data` with the mask, continuing from byte `offset` of the payload.
void unmask(char* data, size_t size, const uint8_t mask[4], uint64_t offset);

// A server frame (unmasked, FIN set) carrying `payload`.
std::string encode_frame(Opcode opcode, std::string_view payload);
// A close frame with `code` and a reason (cut to fit the 125-byte control limit).
std::string encode_close(uint16_t code, std::string_view reason);
// The code in a close frame's payload: 1005 (none given) for an empty one; 0 for a malformed
// one (one byte, or a code a peer may not send: below 1000, 1004-1006, 1015, 1016-2999 unassigned).
uint16_t parse_close_code(std::string_view payload);

// Whether `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view text);

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
std::string accept_key(std::string_view client_key);
// Whether a Sec-WebSocket-Key is well-formed: base64 of 16 bytes (24 characters).
bool valid_client_key(std::string_view key);

}  // namespace edgectl::http::ws
