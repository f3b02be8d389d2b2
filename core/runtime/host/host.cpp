// The `edgectl` host module: the function table, guest-memory access, and the key-value,
// log and WebSocket functions (outbound HTTP is in outbound.cpp). See host.hpp.
#include "runtime/host/host.hpp"

#include <cstring>

#include "runtime/host/detail/guest.hpp"

namespace edgectl::runtime::host {
namespace {

using detail::Guest;
using detail::OutOfBounds;

constexpr size_t kMaxHandles = 64;
constexpr size_t kMaxLogBytes = 16 * 1024;
constexpr uint32_t kExpectAbsent = 0xFFFFFFFFu;

enum : size_t {
#define EDGECTL_HOST_FUNC(name, params) k_##name,
#include "runtime/host/edgectl_v1.def"
};

uint32_t code(Code c) { return static_cast<uint32_t>(c); }

// The backends' errors name the store already ("key-value store 'default' (redis …): …").
std::string store_error(Session& s, const std::string& /*store*/, const Error& e) {
  s.services->log({LogLevel::Error, s.grants ? s.grants->component : "", s.request_id, e.message(), true});
  return e.message();
}

Result<std::shared_ptr<kv::Store>> handle(Session& s, uint64_t h) {
  if (h == 0 || h > s.stores.size() || !s.stores[h - 1]) return Error("bad handle");
  return s.stores[h - 1];
}

// Key checks shared by every kv function: Ok, or the code to return.
Code check_key(std::string_view key) {
  if (key.size() > kv::kMaxKeyBytes) return Code::KeyTooLarge;
  return Code::Ok;
}

uint32_t kv_open(Session& s, Guest& g, const uint64_t* a) {
  const std::string name(g.bytes(a[0], a[1]));
  if (!s.grants || !s.grants->stores.contains(name)) {
    s.services->log({LogLevel::Warn, s.grants ? s.grants->component : "", s.request_id,
                     "refused key-value store '" + name + "': not in the component's key_value_stores", true});
    return code(Code::Denied);
  }
  // The same store opened again is the same handle.
  for (size_t i = 0; i < s.stores.size(); ++i)
    if (s.stores[i] && s.store_names.size() > i && s.store_names[i] == name) {
      g.put_u32(a[2], static_cast<uint32_t>(i + 1));
      return code(Code::Ok);
    }
  if (s.stores.size() >= kMaxHandles) return code(Code::TooMany);
  auto store = s.services->store(name);
  if (!store) {
    store_error(s, name, store.error());
    return code(Code::StoreError);
  }
  s.stores.push_back(*store);
  s.store_names.push_back(name);
  g.put_u32(a[2], static_cast<uint32_t>(s.stores.size()));
  return code(Code::Ok);
}

uint32_t kv_get(Session& s, Guest& g, const uint64_t* a) {
  auto store = handle(s, a[0]);
  if (!store) return code(Code::BadHandle);
  const std::string_view key = g.bytes(a[1], a[2]);
  g.check(a[3], a[4]);
  g.check(a[5], 4);
  if (auto c = check_key(key); c != Code::Ok) return code(c);
  auto v = (*store)->get(key);
  if (!v) return store_error(s, (*store)->describe(), v.error()), code(Code::StoreError);
  if (!*v) return code(Code::NotFound);
  const std::string& value = **v;
  g.put_u32(a[5], static_cast<uint32_t>(value.size()));
  if (value.size() > a[4]) return code(Code::BufferTooSmall);
  g.put_bytes(a[3], value);
  return code(Code::Ok);
}

uint32_t kv_set(Session& s, Guest& g, const uint64_t* a) {
  auto store = handle(s, a[0]);
  if (!store) return code(Code::BadHandle);
  const std::string_view key = g.bytes(a[1], a[2]);
  const std::string_view value = g.bytes(a[3], a[4]);
  if (auto c = check_key(key); c != Code::Ok) return code(c);
  if (value.size() > kv::kMaxValueBytes) return code(Code::ValueTooLarge);
  if (auto r = (*store)->set(key, value); !r) return store_error(s, (*store)->describe(), r.error()), code(Code::StoreError);
  return code(Code::Ok);
}

uint32_t kv_delete(Session& s, Guest& g, const uint64_t* a) {
  auto store = handle(s, a[0]);
  if (!store) return code(Code::BadHandle);
  const std::string_view key = g.bytes(a[1], a[2]);
  if (auto c = check_key(key); c != Code::Ok) return code(c);
  if (auto r = (*store)->remove(key); !r) return store_error(s, (*store)->describe(), r.error()), code(Code::StoreError);
  return code(Code::Ok);
}

uint32_t kv_exists(Session& s, Guest& g, const uint64_t* a) {
  auto store = handle(s, a[0]);
  if (!store) return code(Code::BadHandle);
  const std::string_view key = g.bytes(a[1], a[2]);
  g.check(a[3], 4);
  if (auto c = check_key(key); c != Code::Ok) return code(c);
  auto r = (*store)->exists(key);
  if (!r) return store_error(s, (*store)->describe(), r.error()), code(Code::StoreError);
  g.put_u32(a[3], *r ? 1 : 0);
  return code(Code::Ok);
}

// kv_list(h, prefix, prefix_len, cursor, buf, buf_len, len_out, next_cursor_out): as many
// keys as fit, each as a u32 little-endian length then its bytes. *next_cursor_out is the
// cursor for the next call, or 0 when there are no more keys.
uint32_t kv_list(Session& s, Guest& g, const uint64_t* a) {
  auto store = handle(s, a[0]);
  if (!store) return code(Code::BadHandle);
  const std::string_view prefix = g.bytes(a[1], a[2]);
  const uint64_t cursor = a[3];
  g.check(a[4], a[5]);
  g.check(a[6], 4);
  g.check(a[7], 8);
  if (auto c = check_key(prefix); c != Code::Ok) return code(c);
  const uint64_t room = a[5];
  // One more key than can fit in the smallest encoding, to know whether more remain.
  const size_t limit = static_cast<size_t>(std::min<uint64_t>(room / 4 + 1, 4096));
  auto keys = (*store)->keys(prefix, cursor, limit);
  if (!keys) return store_error(s, (*store)->describe(), keys.error()), code(Code::StoreError);
  std::string out;
  size_t taken = 0;
  for (const auto& k : *keys) {
    if (out.size() + 4 + k.size() > room) break;
    const uint32_t n = static_cast<uint32_t>(k.size());
    out.append(reinterpret_cast<const char*>(&n), 4);  // wasm is little-endian, as is this host
    out.append(k);
    ++taken;
  }
  if (taken == 0 && !keys->empty()) {
    g.put_u32(a[6], static_cast<uint32_t>(4 + keys->front().size()));
    return code(Code::BufferTooSmall);
  }
  g.put_bytes(a[4], out);
  g.put_u32(a[6], static_cast<uint32_t>(out.size()));
  const bool more = taken < keys->size() || keys->size() == limit;
  g.put_u64(a[7], more ? cursor + taken : 0);
  return code(Code::Ok);
}

uint32_t kv_increment(Session& s, Guest& g, const uint64_t* a) {
  auto store = handle(s, a[0]);
  if (!store) return code(Code::BadHandle);
  const std::string_view key = g.bytes(a[1], a[2]);
  g.check(a[4], 8);
  if (auto c = check_key(key); c != Code::Ok) return code(c);
  auto r = (*store)->increment(key, static_cast<int64_t>(a[3]));
  if (!r) return store_error(s, (*store)->describe(), r.error()), code(Code::StoreError);
  if (!*r) return code(Code::Invalid);
  g.put_u64(a[4], static_cast<uint64_t>(**r));
  return code(Code::Ok);
}

// kv_compare_and_swap(h, key, key_len, expected, expected_len, new, new_len): expected_len
// 0xFFFFFFFF means "only if absent".
uint32_t kv_compare_and_swap(Session& s, Guest& g, const uint64_t* a) {
  auto store = handle(s, a[0]);
  if (!store) return code(Code::BadHandle);
  const std::string_view key = g.bytes(a[1], a[2]);
  std::optional<std::string_view> expected;
  if (static_cast<uint32_t>(a[4]) != kExpectAbsent) expected = g.bytes(a[3], a[4]);
  const std::string_view value = g.bytes(a[5], a[6]);
  if (auto c = check_key(key); c != Code::Ok) return code(c);
  if (value.size() > kv::kMaxValueBytes) return code(Code::ValueTooLarge);
  auto r = (*store)->compare_and_swap(key, expected, value);
  if (!r) return store_error(s, (*store)->describe(), r.error()), code(Code::StoreError);
  return code(*r ? Code::Ok : Code::Conflict);
}

uint32_t log_call(Session& s, Guest& g, const uint64_t* a) {
  const uint32_t level = static_cast<uint32_t>(a[0]);
  std::string_view message = g.bytes(a[1], a[2]);
  if (level > static_cast<uint32_t>(LogLevel::Error)) return code(Code::Invalid);
  if (message.size() > kMaxLogBytes) message = message.substr(0, kMaxLogBytes);
  s.services->log({static_cast<LogLevel>(level), s.grants ? s.grants->component : "", s.request_id,
                   std::string(message), false});
  return code(Code::Ok);
}

uint32_t ws_send(Session& s, Guest& g, const uint64_t* a) {
  const std::string connection(g.bytes(a[0], a[1]));
  const uint32_t kind = static_cast<uint32_t>(a[2]);
  const std::string_view data = g.bytes(a[3], a[4]);
  if (kind > 1) return code(Code::Invalid);
  const auto hooks = s.services->websocket();
  const auto& ws = *hooks;
  if (s.ws_route.empty() || !ws.send) return code(Code::Unavailable);
  const std::string& target = connection.empty() ? s.ws_connection : connection;
  return code(ws.send(s.ws_route, target, kind == 1, std::string(data)) ? Code::Ok : Code::Unavailable);
}

uint32_t ws_close(Session& s, Guest& g, const uint64_t* a) {
  const std::string connection(g.bytes(a[0], a[1]));
  const uint32_t close_code = static_cast<uint32_t>(a[2]);
  // Codes a server may send (RFC 6455 7.4): 1000, 1001, 1003, 1007-1011, 3000-4999.
  const bool valid = close_code == 1000 || close_code == 1001 || close_code == 1003 ||
                     (close_code >= 1007 && close_code <= 1011) || (close_code >= 3000 && close_code <= 4999);
  if (!valid) return code(Code::Invalid);
  const auto hooks = s.services->websocket();
  const auto& ws = *hooks;
  if (s.ws_route.empty() || !ws.close) return code(Code::Unavailable);
  const std::string& target = connection.empty() ? s.ws_connection : connection;
  return code(ws.close(s.ws_route, target, static_cast<uint16_t>(close_code)) ? Code::Ok : Code::Unavailable);
}

// ws_connections(buf, buf_len, len_out): the route's open connections, one id per line.
uint32_t ws_connections(Session& s, Guest& g, const uint64_t* a) {
  g.check(a[0], a[1]);
  g.check(a[2], 4);
  const auto hooks = s.services->websocket();
  const auto& ws = *hooks;
  if (s.ws_route.empty() || !ws.connections) return code(Code::Unavailable);
  std::string out;
  for (const auto& id : ws.connections(s.ws_route)) out += id + "\n";
  g.put_u32(a[2], static_cast<uint32_t>(out.size()));
  if (out.size() > a[1]) return code(Code::BufferTooSmall);
  g.put_bytes(a[0], out);
  return code(Code::Ok);
}

}  // namespace

namespace detail {
uint32_t http_request(Session& s, Guest& g, const uint64_t* a);
uint32_t http_response_status(Session& s, Guest& g, const uint64_t* a);
uint32_t http_response_headers(Session& s, Guest& g, const uint64_t* a);
uint32_t http_response_body(Session& s, Guest& g, const uint64_t* a);
uint32_t http_close(Session& s, Guest& g, const uint64_t* a);
}  // namespace detail

std::string_view to_string(Code c) {
  switch (c) {
    case Code::Ok: return "ok";
    case Code::NotFound: return "not found";
    case Code::BufferTooSmall: return "buffer too small";
    case Code::Denied: return "denied";
    case Code::Invalid: return "invalid";
    case Code::KeyTooLarge: return "key too large";
    case Code::ValueTooLarge: return "value too large";
    case Code::Conflict: return "conflict";
    case Code::StoreError: return "store error";
    case Code::BadHandle: return "bad handle";
    case Code::Timeout: return "timeout";
    case Code::Unavailable: return "unavailable";
    case Code::TooMany: return "too many";
    case Code::HttpError: return "http error";
  }
  return "unknown";
}

const std::vector<FunctionSpec>& functions() {
  static const std::vector<FunctionSpec> table = [] {
    using enum ParamType;
    std::vector<FunctionSpec> t;
#define EDGECTL_HOST_LIST(...) std::vector<ParamType>{__VA_ARGS__}
#define EDGECTL_HOST_FUNC(name, params) t.push_back(FunctionSpec{#name, EDGECTL_HOST_LIST params});
#include "runtime/host/edgectl_v1.def"
#undef EDGECTL_HOST_LIST
    return t;
  }();
  return table;
}

std::optional<size_t> find_function(std::string_view name) {
  const auto& t = functions();
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].name == name) return i;
  return std::nullopt;
}

std::string signature(const FunctionSpec& spec) {
  std::string s = "(";
  for (size_t i = 0; i < spec.params.size(); ++i)
    s += std::string(i ? ", " : "") + (spec.params[i] == ParamType::I32 ? "i32" : "i64");
  return s + ") -> i32";
}

Result<std::shared_ptr<kv::Store>> Services::store(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    if (auto it = stores_.find(name); it != stores_.end()) return it->second;
  }
  // Opened without the lock: connecting to a Redis that is down takes seconds, and other
  // stores must not wait for it. Two threads may open the same store at once; the first
  // one stored wins and the other is dropped.
  std::shared_ptr<kv::Store> store;
  if (options_.open_store) {
    auto s = options_.open_store(name);
    if (!s) return std::move(s).error();
    store = *s;
  }
  if (!store) {
    if (options_.kv == ServicesOptions::Kv::Memory) {
      store = kv::open_memory();
    } else {
      auto s = kv::open_sqlite(options_.kv_dir / (name + ".db"));
      if (!s) return std::move(s).error();
      store = std::move(*s);
    }
  }
  std::lock_guard lock(mu_);
  return stores_.emplace(name, std::move(store)).first->second;
}

void Services::set_websocket(WebSocketHooks hooks) {
  auto next = std::make_shared<const WebSocketHooks>(std::move(hooks));
  std::lock_guard lock(ws_mu_);
  websocket_ = std::move(next);
}

std::shared_ptr<const WebSocketHooks> Services::websocket() const {
  std::lock_guard lock(ws_mu_);
  return websocket_;
}

void Services::log(const LogRecord& r) const {
  if (options_.on_log) return options_.on_log(r);
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  std::fprintf(stderr, "%s [%s] %s%s\n", r.component.c_str(), kLevels[static_cast<uint32_t>(r.level)],
               r.from_host ? "edgectl: " : "", r.message.c_str());
}

wasi::CallResult call(size_t index, Session& session, wasi::GuestMemory memory, std::span<const uint64_t> args) {
  wasi::CallResult r;
  const auto& table = functions();
  if (index >= table.size() || args.size() != table[index].params.size()) {
    r.trap = true;
    r.trap_message = "called with a bad function index or argument count";
    return r;
  }
  if (!session.services) {
    r.trap = true;
    r.trap_message = "no host services in this context";
    return r;
  }
  Guest g(memory);
  const uint64_t* a = args.data();
  try {
    switch (index) {
      case k_api_version: r.errno_value = kApiVersion; break;
      case k_log: r.errno_value = log_call(session, g, a); break;
      case k_kv_open: r.errno_value = kv_open(session, g, a); break;
      case k_kv_get: r.errno_value = kv_get(session, g, a); break;
      case k_kv_set: r.errno_value = kv_set(session, g, a); break;
      case k_kv_delete: r.errno_value = kv_delete(session, g, a); break;
      case k_kv_exists: r.errno_value = kv_exists(session, g, a); break;
      case k_kv_list: r.errno_value = kv_list(session, g, a); break;
      case k_kv_increment: r.errno_value = kv_increment(session, g, a); break;
      case k_kv_compare_and_swap: r.errno_value = kv_compare_and_swap(session, g, a); break;
      case k_http_request: r.errno_value = detail::http_request(session, g, a); break;
      case k_http_response_status: r.errno_value = detail::http_response_status(session, g, a); break;
      case k_http_response_headers: r.errno_value = detail::http_response_headers(session, g, a); break;
      case k_http_response_body: r.errno_value = detail::http_response_body(session, g, a); break;
      case k_http_close: r.errno_value = detail::http_close(session, g, a); break;
      case k_ws_send: r.errno_value = ws_send(session, g, a); break;
      case k_ws_close: r.errno_value = ws_close(session, g, a); break;
      case k_ws_connections: r.errno_value = ws_connections(session, g, a); break;
      default: r.trap = true; r.trap_message = "not implemented"; break;
    }
  } catch (const OutOfBounds& e) {
    r.trap = true;
    r.trap_message = e.what();
  } catch (const std::exception& e) {
    // Nothing may unwind into guest code (the aot engine's frames are C): a trap instead.
    r.trap = true;
    r.trap_message = std::string("host error: ") + e.what();
  }
  return r;
}

}  // namespace edgectl::runtime::host
