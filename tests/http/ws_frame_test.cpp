// RFC 6455 framing (core/http/ws_frame.hpp): frame headers read from a client, server frames
// written, close payloads, UTF-8 validation and the handshake's keys, on real byte sequences
// (the examples of RFC 6455 §5.7 and §1.3 where the RFC has one).
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "http/ws_frame.hpp"

namespace edgectl::http::ws {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

// RFC 6455 §5.7's mask.
constexpr uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

// A client frame header: FIN + `opcode`, masked with kMask, `length` in the shortest encoding.
std::string client_header(uint8_t first_byte, uint64_t length) {
  std::string h;
  h += static_cast<char>(first_byte);
  if (length < 126) {
    h += static_cast<char>(0x80 | length);
  } else if (length <= 0xFFFF) {
    h += static_cast<char>(0x80 | 126);
    h += static_cast<char>(length >> 8);
    h += static_cast<char>(length & 0xFF);
  } else {
    h += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) h += static_cast<char>((length >> shift) & 0xFF);
  }
  for (uint8_t m : kMask) h += static_cast<char>(m);
  return h;
}

void check_error(const std::string& frame, uint16_t code) {
  const ParsedHeader p = parse_header(frame);
  CHECK(p.status == ParseStatus::Error);
  CHECK(p.close_code == code);
  CHECK(std::string_view(p.why) != "");
}

TEST_CASE("websocket frame: the RFC's masked Hello from a client") {
  const std::string frame =
      bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  const ParsedHeader p = parse_header(frame);
  REQUIRE(p.status == ParseStatus::Frame);
  CHECK(p.header.fin);
  CHECK(p.header.opcode == Opcode::Text);
  CHECK(p.header.masked);
  CHECK(p.header.length == 5);
  CHECK(p.header.header_bytes == 6);
  CHECK(std::string_view(reinterpret_cast<const char*>(p.header.mask), 4) ==
        bytes({0x37, 0xfa, 0x21, 0x3d}));
  std::string payload = frame.substr(p.header.header_bytes);
  unmask(payload.data(), payload.size(), p.header.mask, 0);
  CHECK(payload == "Hello");
}

TEST_CASE("websocket frame: the RFC's masked Pong and fragmented text") {
  // §5.7: a masked Pong carrying "Hello".
  const ParsedHeader pong =
      parse_header(bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  REQUIRE(pong.status == ParseStatus::Frame);
  CHECK(pong.header.opcode == Opcode::Pong);
  CHECK(pong.header.length == 5);
  // "Hel" as a first fragment (FIN clear), then "lo" as its continuation, masked this time.
  const ParsedHeader first = parse_header(client_header(0x01, 3));
  REQUIRE(first.status == ParseStatus::Frame);
  CHECK_FALSE(first.header.fin);
  CHECK(first.header.opcode == Opcode::Text);
  const ParsedHeader last = parse_header(client_header(0x80, 2));
  REQUIRE(last.status == ParseStatus::Frame);
  CHECK(last.header.fin);
  CHECK(last.header.opcode == Opcode::Continuation);
}

TEST_CASE("websocket frame: the server's unmasked frames, as in the RFC") {
  CHECK(encode_frame(Opcode::Text, "Hello") == bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  CHECK(encode_frame(Opcode::Ping, "Hello") == bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  CHECK(encode_frame(Opcode::Pong, "Hello") == bytes({0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  CHECK(encode_frame(Opcode::Binary, "") == bytes({0x82, 0x00}));
  CHECK(encode_frame(Opcode::Text, std::string(125, 'x')).substr(0, 2) == bytes({0x81, 125}));
}

TEST_CASE("websocket frame: 256 bytes take the 16-bit length, 64 KiB the 64-bit one") {
  SUBCASE("encode") {
    const std::string small = encode_frame(Opcode::Binary, std::string(256, 'a'));
    CHECK(small.size() == 4 + 256);
    CHECK(small.substr(0, 4) == bytes({0x82, 0x7E, 0x01, 0x00}));
    CHECK(small.substr(4) == std::string(256, 'a'));

    const std::string edge = encode_frame(Opcode::Binary, std::string(0xFFFF, 'a'));
    CHECK(edge.substr(0, 4) == bytes({0x82, 0x7E, 0xFF, 0xFF}));
    CHECK(encode_frame(Opcode::Binary, std::string(126, 'a')).substr(0, 4) ==
          bytes({0x82, 0x7E, 0x00, 0x7E}));

    const std::string big = encode_frame(Opcode::Binary, std::string(65536, 'b'));
    CHECK(big.size() == 10 + 65536);
    CHECK(big.substr(0, 10) == bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
    CHECK(big.substr(10) == std::string(65536, 'b'));
  }
  SUBCASE("parse, masked from a client") {
    const ParsedHeader small =
        parse_header(bytes({0x82, 0xFE, 0x01, 0x00, 0x37, 0xfa, 0x21, 0x3d}));
    REQUIRE(small.status == ParseStatus::Frame);
    CHECK(small.header.opcode == Opcode::Binary);
    CHECK(small.header.length == 256);
    CHECK(small.header.header_bytes == 8);
    CHECK(small.header.mask[0] == 0x37);
    CHECK(small.header.mask[3] == 0x3d);

    const ParsedHeader big = parse_header(
        bytes({0x82, 0xFF, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x37, 0xfa, 0x21, 0x3d}));
    REQUIRE(big.status == ParseStatus::Frame);
    CHECK(big.header.opcode == Opcode::Binary);
    CHECK(big.header.length == 65536);
    CHECK(big.header.header_bytes == 14);
    CHECK(big.header.mask[0] == 0x37);
    CHECK(big.header.mask[3] == 0x3d);

    // The header is read from the front: payload bytes after it change nothing.
    const ParsedHeader with_payload =
        parse_header(client_header(0x82, 256) + std::string(256, 'z'));
    REQUIRE(with_payload.status == ParseStatus::Frame);
    CHECK(with_payload.header.length == 256);
    CHECK(with_payload.header.header_bytes == 8);
  }
}

TEST_CASE("websocket frame: a header cut short at any byte needs more") {
  // A client's header is 2 bytes + 0, 2 or 8 of extended length + 4 of mask: 6, 8 or 14.
  for (const uint64_t length : {uint64_t{5}, uint64_t{256}, uint64_t{65536}}) {
    const std::string header = client_header(0x82, length);
    CAPTURE(length);
    for (size_t cut = 0; cut < header.size(); ++cut) {
      CAPTURE(cut);
      CHECK(parse_header(std::string_view(header).substr(0, cut)).status == ParseStatus::NeedMore);
    }
    const ParsedHeader whole = parse_header(header);
    REQUIRE(whole.status == ParseStatus::Frame);
    CHECK(whole.header.length == length);
    CHECK(whole.header.header_bytes == header.size());
  }
  // An empty frame (the shortest header) and the 2-, 4- and 10-byte prefixes that end where an
  // unmasked header would: a client's still lacks its mask.
  CHECK(parse_header(client_header(0x81, 0)).status == ParseStatus::Frame);
  CHECK(parse_header(bytes({0x81, 0x85})).status == ParseStatus::NeedMore);
  CHECK(parse_header(bytes({0x82, 0xFE, 0x01, 0x00})).status == ParseStatus::NeedMore);
  CHECK(parse_header(bytes({0x82, 0xFF, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00})).status ==
        ParseStatus::NeedMore);
}

TEST_CASE("websocket frame: reserved bits are a protocol error") {
  for (const int rsv : {0x40, 0x20, 0x10, 0x70}) {
    CAPTURE(rsv);
    check_error(client_header(static_cast<uint8_t>(0x81 | rsv), 5), kCloseProtocol);
  }
  // Known from the first two bytes: no need to wait for the mask.
  check_error(bytes({0xC1, 0x85}), kCloseProtocol);
}

TEST_CASE("websocket frame: an unknown opcode is a protocol error") {
  for (const int op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    CAPTURE(op);
    check_error(client_header(static_cast<uint8_t>(0x80 | op), 0), kCloseProtocol);
  }
  for (const int op : {0x0, 0x1, 0x2, 0x8, 0x9, 0xA}) {
    CAPTURE(op);
    CHECK(parse_header(client_header(static_cast<uint8_t>(0x80 | op), 0)).status ==
          ParseStatus::Frame);
  }
}

TEST_CASE("websocket frame: an unmasked client frame is a protocol error") {
  check_error(bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), kCloseProtocol);
  check_error(bytes({0x82, 0x7E}), kCloseProtocol);  // known before the length
  check_error(bytes({0x88, 0x00}), kCloseProtocol);
}

TEST_CASE("websocket frame: control frames must be whole and at most 125 bytes") {
  for (const int op : {0x8, 0x9, 0xA}) {
    CAPTURE(op);
    // FIN clear: a fragmented control frame.
    check_error(client_header(static_cast<uint8_t>(op), 0), kCloseProtocol);
    // 125 bytes is the limit; 126 (the 16-bit encoding) is over it.
    CHECK(parse_header(client_header(static_cast<uint8_t>(0x80 | op), 125)).status ==
          ParseStatus::Frame);
    check_error(client_header(static_cast<uint8_t>(0x80 | op), 126), kCloseProtocol);
    check_error(client_header(static_cast<uint8_t>(0x80 | op), 65536), kCloseProtocol);
  }
}

TEST_CASE("websocket frame: a 64-bit length with its top bit set is a protocol error") {
  check_error(bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x37, 0xfa, 0x21, 0x3d}),
              kCloseProtocol);
  check_error(bytes({0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), kCloseProtocol);
  // The largest length allowed is read as it is (the server's max_message refuses it).
  const ParsedHeader max = parse_header(
      bytes({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x37, 0xfa, 0x21, 0x3d}));
  REQUIRE(max.status == ParseStatus::Frame);
  CHECK(max.header.length == 0x7FFFFFFFFFFFFFFFull);
}

TEST_CASE("websocket frame: unmask continues a payload split across reads") {
  const std::string masked = bytes({0x7f, 0x9f, 0x4d, 0x51, 0x58});  // "Hello", RFC §5.7
  for (size_t split = 0; split <= masked.size(); ++split) {
    CAPTURE(split);
    std::string first = masked.substr(0, split), second = masked.substr(split);
    unmask(first.data(), first.size(), kMask, 0);
    unmask(second.data(), second.size(), kMask, split);
    CHECK(first + second == "Hello");
  }
  // Offsets past 4 and beyond 32 bits wrap around the mask the same way.
  std::string a = bytes({0x7f ^ 'H' ^ 'W'});
  unmask(a.data(), 1, kMask, 4);
  CHECK(a == "W");
  std::string b = bytes({0x9f ^ 'e' ^ 'x'});
  unmask(b.data(), 1, kMask, (uint64_t{1} << 40) + 1);
  CHECK(b == "x");
  // Masking twice is the identity.
  std::string text = "a longer payload, over several mask periods";
  const std::string original = text;
  unmask(text.data(), text.size(), kMask, 3);
  CHECK(text != original);
  unmask(text.data(), text.size(), kMask, 3);
  CHECK(text == original);
}

TEST_CASE("websocket frame: a close frame's code is big-endian, its reason cut at 125 bytes") {
  CHECK(encode_close(1000, "") == bytes({0x88, 0x02, 0x03, 0xE8}));
  CHECK(encode_close(1001, "bye") == bytes({0x88, 0x05, 0x03, 0xE9, 'b', 'y', 'e'}));
  CHECK(encode_close(4001, "").substr(2) == bytes({0x0F, 0xA1}));

  // 200 'é' (C3 A9) are 400 bytes: 123 bytes are left for the reason, which would cut the
  // 62nd 'é' in two; it is dropped whole, leaving 61 (122 bytes).
  std::string reason;
  for (int i = 0; i < 200; ++i) reason += "\xC3\xA9";
  const std::string frame = encode_close(1009, reason);
  REQUIRE(frame.size() >= 4);
  CHECK(static_cast<uint8_t>(frame[0]) == 0x88);
  const size_t length = static_cast<uint8_t>(frame[1]);
  CHECK(length <= kMaxControlPayload);
  CHECK(length == 2 + 122);
  CHECK(frame.size() == 2 + length);
  CHECK(frame.substr(2, 2) == bytes({0x03, 0xF1}));
  const std::string cut = frame.substr(4);
  CHECK(valid_utf8(cut));
  CHECK(reason.starts_with(cut));
  CHECK(parse_close_code(frame.substr(2)) == 1009);

  // A 3-byte character cut after one or two of its bytes is dropped whole too.
  const std::string euro = std::string(122, 'x') + "\xE2\x82\xAC";  // 125 bytes
  CHECK(encode_close(1000, euro).substr(4) == std::string(122, 'x'));
  const std::string euro2 = std::string(121, 'x') + "\xE2\x82\xAC";  // the cut after E2 82
  CHECK(encode_close(1000, euro2).substr(4) == std::string(121, 'x'));
  // An ASCII reason of exactly 123 bytes fits as it is.
  CHECK(encode_close(1000, std::string(123, 'y')).substr(4) == std::string(123, 'y'));
}

TEST_CASE("websocket frame: the code of a close frame from a client") {
  CHECK(parse_close_code("") == 1005);
  CHECK(parse_close_code(bytes({0x03})) == 0);
  for (const int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999}) {
    CAPTURE(code);
    CHECK(parse_close_code(bytes({code >> 8, code & 0xFF})) == code);
    CHECK(parse_close_code(bytes({code >> 8, code & 0xFF}) + "a reason") == code);
  }
  for (const int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    CAPTURE(code);
    CHECK(parse_close_code(bytes({code >> 8, code & 0xFF})) == 0);
  }
  // The reason must be UTF-8.
  CHECK(parse_close_code(bytes({0x03, 0xE8, 0xC3, 0xA9})) == 1000);
  CHECK(parse_close_code(bytes({0x03, 0xE8, 0xC3})) == 0);
  CHECK(parse_close_code(bytes({0x03, 0xE8, 0xFF})) == 0);
  CHECK(parse_close_code(bytes({0x03, 0xE8, 0xED, 0xA0, 0x80})) == 0);
}

TEST_CASE("websocket frame: UTF-8 validation") {
  SUBCASE("well-formed") {
    CHECK(valid_utf8(""));
    CHECK(valid_utf8("Hello, world"));
    CHECK(valid_utf8(std::string_view("\0", 1)));
    CHECK(valid_utf8("\x7F"));
    CHECK(valid_utf8("\xC2\x80"));              // U+0080, the first 2-byte one
    CHECK(valid_utf8("\xC3\xA9t\xC3\xA9"));      // "été"
    CHECK(valid_utf8("\xDF\xBF"));              // U+07FF
    CHECK(valid_utf8("\xE0\xA0\x80"));          // U+0800, the first 3-byte one
    CHECK(valid_utf8("\xE2\x82\xAC"));          // €
    CHECK(valid_utf8("\xED\x9F\xBF"));          // U+D7FF, just below the surrogates
    CHECK(valid_utf8("\xEE\x80\x80"));          // U+E000, just above them
    CHECK(valid_utf8("\xEF\xBF\xBF"));          // U+FFFF
    CHECK(valid_utf8("\xF0\x90\x80\x80"));      // U+10000, the first 4-byte one
    CHECK(valid_utf8("\xF0\x9F\x98\x80"));      // 😀
    CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF, the last one
    CHECK(valid_utf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"));
  }
  SUBCASE("overlong encodings") {
    CHECK_FALSE(valid_utf8("\xC0\x80"));
    CHECK_FALSE(valid_utf8("\xC1\xBF"));
    CHECK_FALSE(valid_utf8("\xE0\x80\x80"));
    CHECK_FALSE(valid_utf8("\xE0\x9F\xBF"));
    CHECK_FALSE(valid_utf8("\xF0\x80\x80\x80"));
    CHECK_FALSE(valid_utf8("\xF0\x8F\xBF\xBF"));
  }
  SUBCASE("surrogates") {
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));  // U+D800
    CHECK_FALSE(valid_utf8("\xED\xBF\xBF"));  // U+DFFF
    CHECK_FALSE(valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 pair
  }
  SUBCASE("above U+10FFFF") {
    CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));
    CHECK_FALSE(valid_utf8("\xF5\x80\x80\x80"));
    CHECK_FALSE(valid_utf8("\xF7\xBF\xBF\xBF"));
    CHECK_FALSE(valid_utf8("\xF8\x88\x80\x80\x80"));
    CHECK_FALSE(valid_utf8("\xFC\x84\x80\x80\x80\x80"));
    CHECK_FALSE(valid_utf8("\xFE"));
    CHECK_FALSE(valid_utf8("\xFF"));
  }
  SUBCASE("truncated sequences") {
    CHECK_FALSE(valid_utf8("\xC3"));
    CHECK_FALSE(valid_utf8("\xE2\x82"));
    CHECK_FALSE(valid_utf8("\xF0\x9F\x98"));
    CHECK_FALSE(valid_utf8("a\xF0\x9F"));
    CHECK_FALSE(valid_utf8("\xC3z"));          // cut short by an ASCII byte
    CHECK_FALSE(valid_utf8("\xE2\x82z"));
    CHECK_FALSE(valid_utf8("\xF0\x9F\x98\xC3\xA9"));  // cut short by another lead byte
  }
  SUBCASE("stray continuation bytes") {
    CHECK_FALSE(valid_utf8("\x80"));
    CHECK_FALSE(valid_utf8("\xBF"));
    CHECK_FALSE(valid_utf8("a\x80z"));
    CHECK_FALSE(valid_utf8("\xC3\xA9\xA9"));  // one too many
    CHECK_FALSE(valid_utf8("\xE2\x82\xAC\x80"));
  }
}

TEST_CASE("websocket frame: the accept key of the RFC's example") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==").size() == 28);
}

TEST_CASE("websocket frame: a client's key is base64 of 16 bytes") {
  CHECK(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK(valid_client_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  CHECK(valid_client_key("+/+/+/+/+/+/+/+/+/+/+w=="));
  // Wrong length.
  CHECK_FALSE(valid_client_key(""));
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ="));
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ==="));
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZSE="));   // 17 bytes' worth, padded
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZXNh"));  // 24 characters, 18 bytes
  // Padding missing or misplaced.
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=a"));
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j=Q=="));
  // Characters outside base64.
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ-=="));
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ_=="));
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSB ub25jZ=="));
  CHECK_FALSE(valid_client_key(std::string_view("dGhlIHNhbXBsZSBub25jZ\0==", 24)));
  CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ\xC3=="));
}

}  // namespace
}  // namespace edgectl::http::ws
