#include "http/serve_limits.hpp"

namespace edgectl::http {
namespace {

using std::chrono::milliseconds;

template <class T>
std::optional<T> value_of(const std::optional<manifest::Located<T>>& located) {
  if (!located) return std::nullopt;
  return located->value;
}

std::optional<uint64_t> bytes_of(const std::optional<manifest::Located<ByteSize>>& size) {
  if (!size) return std::nullopt;
  return size->value.bytes;
}

// The server counts in milliseconds; [serve] and the flags accept nothing shorter than 1 ms.
void set(milliseconds& field, const std::optional<Duration>& value) {
  if (value) field = std::chrono::duration_cast<milliseconds>(*value);
}
template <class Field, class Value>
void set(Field& field, const std::optional<Value>& value) {
  if (value) field = static_cast<Field>(*value);
}

void apply(ServeLimits& out, const LimitSettings& layer) {
  set(out.server.max_header_bytes, layer.max_header_bytes);
  set(out.server.max_body_bytes, layer.max_body_bytes);
  set(out.server.header_timeout, layer.header_timeout);
  set(out.server.idle_timeout, layer.idle_timeout);
  set(out.server.max_concurrent_per_component, layer.max_concurrent);
  set(out.server.queue_wait, layer.queue_wait);
  set(out.websocket.max_message_bytes, layer.ws_max_message_bytes);
  set(out.websocket.max_send_queue_bytes, layer.ws_max_send_queue_bytes);
  set(out.websocket.ping_interval, layer.ws_ping_interval);
  set(out.websocket.pong_timeout, layer.ws_pong_timeout);
  set(out.websocket.idle_timeout, layer.ws_idle_timeout);
  set(out.websocket.max_connections, layer.ws_max_connections);
}

}  // namespace

LimitSettings limit_settings(const manifest::ServeSettings& serve) {
  LimitSettings s;
  s.profile = value_of(serve.profile);
  s.max_header_bytes = bytes_of(serve.max_header);
  s.max_body_bytes = bytes_of(serve.max_body);
  s.header_timeout = value_of(serve.header_timeout);
  s.idle_timeout = value_of(serve.idle_timeout);
  s.max_concurrent = value_of(serve.max_concurrent);
  s.queue_wait = value_of(serve.queue_wait);
  s.ws_max_message_bytes = bytes_of(serve.websocket.max_message);
  s.ws_max_send_queue_bytes = bytes_of(serve.websocket.max_send_queue);
  s.ws_ping_interval = value_of(serve.websocket.ping_interval);
  s.ws_pong_timeout = value_of(serve.websocket.pong_timeout);
  s.ws_idle_timeout = value_of(serve.websocket.idle_timeout);
  s.ws_max_connections = value_of(serve.websocket.max_connections);
  return s;
}

ServeLimits merge_limits(const LimitSettings& manifest, const LimitSettings& command_line) {
  ServeLimits out;
  if (auto platform = command_line.profile ? command_line.profile : manifest.profile) {
    out.profile = &platform_profile(*platform);
    out.server.max_header_bytes = out.profile->max_header_bytes;
    if (out.profile->max_body_bytes) out.server.max_body_bytes = *out.profile->max_body_bytes;
  }
  apply(out, manifest);
  apply(out, command_line);
  return out;
}

}  // namespace edgectl::http
