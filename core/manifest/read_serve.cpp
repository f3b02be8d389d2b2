// [serve] and [serve.websocket]: the limits `edgectl serve` runs the server with.
#include <string>

#include "manifest/detail/sections.hpp"
#include "manifest/detail/suggest.hpp"

namespace edgectl::manifest::detail {
namespace {

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// A size within [min, max], reported at its value when outside.
std::optional<Located<ByteSize>> size_between(const Context& cx, const TableReader& r,
                                              std::string_view key, uint64_t min, uint64_t max,
                                              std::string_view why_max) {
  auto size = r.byte_size(key);
  if (!size) return std::nullopt;
  if (size->value.bytes < min || size->value.bytes > max) {
    std::vector<std::string> notes;
    if (size->value.bytes > max && !why_max.empty()) notes.emplace_back(why_max);
    cx.error(size->where,
             in_quotes(key) + " must be between " + format_byte_size({min}) + " and " +
                 format_byte_size({max}) + ", found " + format_byte_size(size->value),
             std::move(notes));
    return std::nullopt;
  }
  return size;
}

std::optional<Located<Duration>> duration_at_least(const Context& cx, const TableReader& r,
                                                   std::string_view key, Duration min) {
  auto d = r.duration(key);
  if (!d) return std::nullopt;
  if (d->value < min) {
    cx.error(d->where, in_quotes(key) + " must be at least " + format_duration(min) + ", found " +
                           format_duration(d->value));
    return std::nullopt;
  }
  return d;
}

std::optional<Located<uint64_t>> count_between(const Context& cx, const TableReader& r,
                                               std::string_view key, uint64_t max) {
  auto n = r.integer(key);
  if (!n) return std::nullopt;
  if (n->value <= 0 || static_cast<uint64_t>(n->value) > max) {
    cx.error(n->where, in_quotes(key) + " must be between 1 and " + std::to_string(max) +
                           ", found " + std::to_string(n->value));
    return std::nullopt;
  }
  return Located<uint64_t>{static_cast<uint64_t>(n->value), n->where};
}

std::optional<Located<Platform>> read_profile(const Context& cx, const TableReader& r) {
  auto name = r.string("profile");
  if (!name) return std::nullopt;
  if (auto platform = parse_platform(name->value)) return Located<Platform>{*platform, name->where};
  std::vector<std::string> notes;
  if (auto m = did_you_mean(name->value, platform_names()); !m.empty()) notes.push_back(m);
  notes.push_back("profiles: " + join(platform_names()));
  cx.error(name->where, "unknown profile " + in_quotes(name->value), std::move(notes));
  return std::nullopt;
}

WebSocketSettings read_websocket(const Context& cx, const toml::table& table) {
  TableReader r(cx, table, "in [serve.websocket]",
                {"max_message", "max_send_queue", "ping_interval", "pong_timeout", "idle_timeout",
                 "max_connections"});
  WebSocketSettings ws;
  ws.max_message = size_between(cx, r, "max_message", 1, kMaxGuestPayloadBytes,
                                "a message is buffered and handed to a 32-bit guest");
  ws.max_send_queue = r.byte_size("max_send_queue");
  ws.ping_interval = duration_at_least(cx, r, "ping_interval", kMinHeartbeat);
  ws.pong_timeout = duration_at_least(cx, r, "pong_timeout", kMinHeartbeat);
  ws.idle_timeout = duration_at_least(cx, r, "idle_timeout", kMinServeDuration);
  ws.max_connections = count_between(cx, r, "max_connections", kMaxWebSocketConnections);
  return ws;
}

}  // namespace

ServeSettings read_serve(const Context& cx, const toml::table& table) {
  TableReader r(cx, table, "in [serve]",
                {"max_header", "max_body", "header_timeout", "idle_timeout", "max_concurrent",
                 "queue_wait", "profile", "websocket"});
  ServeSettings serve;
  serve.where = r.where();
  serve.max_header = size_between(cx, r, "max_header", kMinHeadBytes, kMaxHeadBytes,
                                  "the whole head is buffered for each connection");
  serve.max_body = size_between(cx, r, "max_body", 1, kMaxGuestPayloadBytes,
                                "the body is buffered and handed to a 32-bit guest");
  serve.header_timeout = duration_at_least(cx, r, "header_timeout", kMinServeDuration);
  serve.idle_timeout = duration_at_least(cx, r, "idle_timeout", kMinServeDuration);
  serve.queue_wait = duration_at_least(cx, r, "queue_wait", kMinServeDuration);
  if (auto n = count_between(cx, r, "max_concurrent", kMaxConcurrentInstances))
    serve.max_concurrent = Located<uint32_t>{static_cast<uint32_t>(n->value), n->where};
  serve.profile = read_profile(cx, r);
  if (const auto* ws = r.table("websocket")) serve.websocket = read_websocket(cx, *ws);
  return serve;
}

}  // namespace edgectl::manifest::detail
