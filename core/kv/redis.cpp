// The Redis store: what several edge hosts share. Each store is a namespace of one Redis
// database — key K of store S is "edgectl:S:K" — so many stores, hosts and other programs
// use one Redis without seeing each other's keys.
//
// Semantics match the SQLite and memory stores (tests/kv/kv_support.hpp checks all three):
//   get/set/remove/exists  GET, SET, DEL, EXISTS;
//   increment              INCRBY: atomic in Redis itself, across every host. Redis refuses
//                          a value that is not a decimal 64-bit integer, or a sum that would
//                          overflow, with an error reply and changes nothing: that is our
//                          nullopt. (Its integers are a little stricter than parse_integer:
//                          "007" and "-0" are not integers to Redis.)
//   compare_and_swap       expected absent: SET NX; else one Lua script (EVALSHA, EVAL when
//                          the Redis has not seen it yet) that GETs, compares and SETs, which
//                          Redis runs atomically;
//   keys                   SCAN with MATCH on the escaped "edgectl:S:PREFIX*", collected,
//                          sorted bytewise, then offset and limit applied here. Costly: SCAN
//                          walks the whole database, whatever the pattern, and every matching
//                          key is held in memory for each call — fine for listing a few
//                          thousand keys, not a way to page through millions.
//
// hiredis contexts are not thread-safe: a small pool of connections (at most
// kMaxConnections, made as needed) serves every worker thread; a call takes one under the
// mutex and gives it back after its command. A connection the server has closed while it
// sat idle (a Redis restart, its idle timeout) is noticed before use (the socket is
// readable) and replaced once. A connection that breaks during a command is replaced and the
// command sent once more only when sending it twice is harmless (GET, SET, DEL, EXISTS,
// SCAN); INCRBY and compare-and-swap report the error instead, since the first one may have
// been applied. Connect and command timeouts are a few seconds: a guest's call never hangs
// on an unreachable Redis.
//
// Never in a message: the password (describe() and errors name host, port and db only;
// URLs are quoted with the password replaced by "***").
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <span>

#include "kv/kv.hpp"

namespace edgectl::kv {
namespace {

constexpr std::chrono::seconds kConnectTimeout{3};
constexpr std::chrono::seconds kCommandTimeout{5};
constexpr size_t kMaxConnections = 16;
constexpr std::string_view kScanBatch = "1000";  // SCAN's COUNT hint per round trip
constexpr int kMaxDb = 1'000'000;               // Redis's own default is 16 databases

// KEYS[1] = the key, ARGV[1] = the expected value, ARGV[2] = the new one. Absent keys GET
// as false, which equals no string.
constexpr std::string_view kCompareAndSwapScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::optional<int> parse_small(std::string_view text, int max) {
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
  const int v = std::stoi(std::string(text));
  if (v > max) return std::nullopt;
  return v;
}

// %XX escapes in the user and password (a password with '@', ':' or '/' in it).
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      return std::nullopt;
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

std::string lower_first(std::string s) {
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && (s.size() < 2 || !(s[1] >= 'A' && s[1] <= 'Z'))) s[0] += 'a' - 'A';
  return s;
}

// A glob pattern matching exactly the keys that start with `prefix` (MATCH's escapes).
std::string match_prefix(std::string_view prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out + '*';
}

std::string sha1_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

timeval to_timeval(std::chrono::seconds s) { return timeval{static_cast<time_t>(s.count()), 0}; }

struct FreeReply {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, FreeReply>;
struct FreeContext {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Connection = std::unique_ptr<redisContext, FreeContext>;

std::string_view text_of(const redisReply& r) { return {r.str, r.len}; }

// Whether the command may be sent again after its connection broke mid-way.
enum class Retry { Safe, Unsafe };

class RedisStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> open(const RedisAddress& address, const std::string& name) {
    auto store = std::unique_ptr<RedisStore>(new RedisStore(address, name));
    // One connection now: a wrong host, password or db shows at once, not at the first get.
    auto c = store->connect();
    if (!c) return std::move(c).error();
    store->open_ = 1;
    store->give(std::move(*c));
    return std::unique_ptr<Store>(std::move(store));
  }

  Result<std::optional<std::string>> get(std::string_view key) override {
    auto r = run({"GET", full(key)}, Retry::Safe);
    if (!r) return std::move(r).error();
    if ((*r)->type == REDIS_REPLY_NIL) return std::optional<std::string>();
    if ((*r)->type == REDIS_REPLY_STRING) return std::optional<std::string>(std::string(text_of(**r)));
    return unexpected("GET", **r);
  }
  Status set(std::string_view key, std::string_view value) override {
    auto r = run({"SET", full(key), value}, Retry::Safe);
    if (!r) return std::move(r).error();
    if ((*r)->type != REDIS_REPLY_STATUS) return unexpected("SET", **r);
    return {};
  }
  Status remove(std::string_view key) override {
    auto r = run({"DEL", full(key)}, Retry::Safe);
    if (!r) return std::move(r).error();
    if ((*r)->type != REDIS_REPLY_INTEGER) return unexpected("DEL", **r);
    return {};
  }
  Result<bool> exists(std::string_view key) override {
    auto r = run({"EXISTS", full(key)}, Retry::Safe);
    if (!r) return std::move(r).error();
    if ((*r)->type != REDIS_REPLY_INTEGER) return unexpected("EXISTS", **r);
    return (*r)->integer > 0;
  }
  Result<std::vector<std::string>> keys(std::string_view prefix, uint64_t offset, size_t limit) override {
    const std::string pattern = match_prefix(namespace_ + std::string(prefix));
    std::vector<std::string> all;
    std::string cursor = "0";
    do {
      auto r = run({"SCAN", cursor, "MATCH", pattern, "COUNT", kScanBatch}, Retry::Safe);
      if (!r) return std::move(r).error();
      const redisReply& reply = **r;
      if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 2 || reply.element[0]->type != REDIS_REPLY_STRING ||
          reply.element[1]->type != REDIS_REPLY_ARRAY)
        return unexpected("SCAN", reply);
      cursor = std::string(text_of(*reply.element[0]));
      const redisReply& batch = *reply.element[1];
      for (size_t i = 0; i < batch.elements; ++i) {
        if (batch.element[i]->type != REDIS_REPLY_STRING) continue;
        std::string_view k = text_of(*batch.element[i]);
        if (k.size() < namespace_.size() || k.compare(0, namespace_.size(), namespace_) != 0) continue;
        k.remove_prefix(namespace_.size());
        if (k.compare(0, prefix.size(), prefix) == 0) all.emplace_back(k);
      }
    } while (cursor != "0");
    // SCAN may return a key twice (when the table is rehashed in between) and in no order.
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    if (offset >= all.size()) return std::vector<std::string>();
    auto first = all.begin() + static_cast<ptrdiff_t>(offset);
    auto last = first + static_cast<ptrdiff_t>(std::min<uint64_t>(limit, all.end() - first));
    return std::vector<std::string>(std::make_move_iterator(first), std::make_move_iterator(last));
  }
  Result<std::optional<int64_t>> increment(std::string_view key, int64_t delta) override {
    auto r = run({"INCRBY", full(key), std::to_string(delta)}, Retry::Unsafe);
    if (!r) return std::move(r).error();
    const redisReply& reply = **r;
    if (reply.type == REDIS_REPLY_INTEGER) return std::optional<int64_t>(reply.integer);
    // "ERR value is not an integer or out of range", "ERR increment or decrement would overflow"
    if (reply.type == REDIS_REPLY_ERROR) {
      const std::string_view why = text_of(reply);
      if (why.find("not an integer") != std::string_view::npos || why.find("overflow") != std::string_view::npos)
        return std::optional<int64_t>();
    }
    return unexpected("INCRBY", reply);
  }
  Result<bool> compare_and_swap(std::string_view key, std::optional<std::string_view> expected,
                                std::string_view value) override {
    const std::string k = full(key);
    if (!expected) {
      auto r = run({"SET", k, value, "NX"}, Retry::Unsafe);
      if (!r) return std::move(r).error();
      if ((*r)->type == REDIS_REPLY_STATUS) return true;
      if ((*r)->type == REDIS_REPLY_NIL) return false;
      return unexpected("SET NX", **r);
    }
    static const std::string sha = sha1_hex(kCompareAndSwapScript);
    auto r = run({"EVALSHA", sha, "1", k, *expected, value}, Retry::Unsafe);
    if (!r) return std::move(r).error();
    // NOSCRIPT: this Redis has not seen the script (or was restarted, or flushed its cache);
    // EVAL runs it and caches it for the next EVALSHA.
    if ((*r)->type == REDIS_REPLY_ERROR && text_of(**r).starts_with("NOSCRIPT")) {
      r = run({"EVAL", kCompareAndSwapScript, "1", k, *expected, value}, Retry::Unsafe);
      if (!r) return std::move(r).error();
    }
    if ((*r)->type == REDIS_REPLY_INTEGER) return (*r)->integer == 1;
    return unexpected("compare-and-swap script", **r);
  }
  std::string describe() const override {
    return "redis " + address_.endpoint() + " db " + std::to_string(address_.db);
  }

 private:
  RedisStore(RedisAddress address, std::string name)
      : address_(std::move(address)), name_(std::move(name)), namespace_("edgectl:" + name_ + ":") {}

  std::string full(std::string_view key) const { return namespace_ + std::string(key); }

  Error failure(const std::string& why) const {
    return Error("key-value store '" + name_ + "' (" + describe() + "): " + why);
  }
  Error unexpected(const char* command, const redisReply& r) const {
    if (r.type == REDIS_REPLY_ERROR) return failure(std::string(command) + ": " + std::string(text_of(r)));
    return failure(std::string(command) + ": unexpected reply (type " + std::to_string(r.type) + ")");
  }

  // A new connection, authenticated and on the right db.
  Result<Connection> connect() const {
    const timeval timeout = to_timeval(kConnectTimeout);
    Connection c(address_.socket.empty() ? redisConnectWithTimeout(address_.host.c_str(), address_.port, timeout)
                                         : redisConnectUnixWithTimeout(address_.socket.c_str(), timeout));
    if (!c) return failure("cannot allocate a connection");
    if (c->err) return failure(connect_error(c->errstr));
    redisSetTimeout(c.get(), to_timeval(kCommandTimeout));
    if (address_.socket.empty()) redisEnableKeepAlive(c.get());
    auto setup = [&](std::vector<std::string_view> args, const std::string& what) -> Status {
      auto r = command(c.get(), args);
      if (!r) return failure(what + ": " + io_error(c.get()));
      if ((*r)->type == REDIS_REPLY_ERROR) return failure(what + " failed: " + std::string(text_of(**r)));
      return {};
    };
    if (!address_.password.empty()) {
      // Redis 6 ACLs: AUTH user password; before that (or with no user): AUTH password.
      auto s = address_.user.empty() ? setup({"AUTH", address_.password}, "authentication")
                                     : setup({"AUTH", address_.user, address_.password}, "authentication");
      if (!s) return std::move(s).error();
    }
    if (address_.db != 0) {
      const std::string db = std::to_string(address_.db);
      if (auto s = setup({"SELECT", db}, "SELECT " + db); !s) return std::move(s).error();
    }
    // A Redis that wants a password we did not give answers NOAUTH here, not at a later GET.
    if (auto s = setup({"PING"}, "PING"); !s) return std::move(s).error();
    return c;
  }

  static std::string connect_error(const char* errstr) {
    std::string why = lower_first(errstr ? errstr : "cannot connect");
    // hiredis says "Connection timed out" for its own connect timeout; say how long.
    if (why.find("timed out") != std::string::npos)
      why = "no connection within " + std::to_string(kConnectTimeout.count()) + "s";
    return why;
  }

  // A read or write that ran into the socket's timeout: hiredis reports it as an I/O error
  // worded by strerror(EAGAIN) (it keeps no errno of its own).
  static bool timed_out(const redisContext* c) {
    return c->err == REDIS_ERR_IO && std::string_view(c->errstr) == std::strerror(EAGAIN);
  }
  // After a NULL reply: why the connection failed.
  static std::string io_error(const redisContext* c) {
    if (timed_out(c)) return "no answer within " + std::to_string(kCommandTimeout.count()) + "s";
    return lower_first(c->errstr[0] ? c->errstr : "connection failed");
  }

  static Result<Reply> command(redisContext* c, std::span<const std::string_view> args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (auto a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (!r) return Error("connection failed");
    return Reply(r);
  }

  // An idle connection the server has closed (or that has stray bytes waiting) is readable.
  static bool still_open(redisContext* c) {
    pollfd p{c->fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  // A connection for one command: an idle one, a new one while fewer than kMaxConnections
  // are open, or the next one given back.
  Result<Connection> take() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kCommandTimeout, [&] { return !idle_.empty() || open_ < kMaxConnections; }))
      return failure("all " + std::to_string(kMaxConnections) + " connections stayed busy for " +
                     std::to_string(kCommandTimeout.count()) + "s");
    if (!idle_.empty()) {
      Connection c = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (still_open(c.get())) return c;
      c.reset();  // closed while idle: replace it
      return reconnect();
    }
    ++open_;
    lock.unlock();
    return reconnect();
  }
  // A new connection in the place of one counted in open_; on failure that place is freed.
  Result<Connection> reconnect() {
    auto c = connect();
    if (!c) drop();
    return c;
  }
  void give(Connection c) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(c));
    }
    cv_.notify_one();
  }
  void drop() {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
  }

  // Sends one command on a pooled connection. A reply (an error reply too) is returned as
  // it is; a connection that fails is closed, and replaced for one more try when `retry`
  // allows it.
  Result<Reply> run(std::initializer_list<std::string_view> args, Retry retry) {
    const std::span<const std::string_view> list(args.begin(), args.size());
    for (int attempt = 0;; ++attempt) {
      auto c = take();
      if (!c) return std::move(c).error();
      auto r = command(c->get(), list);
      if (r) {
        give(std::move(*c));
        return r;
      }
      const std::string why = io_error(c->get());
      const bool again = attempt == 0 && retry == Retry::Safe && !timed_out(c->get());
      c->reset();
      drop();
      if (again) continue;
      const std::string name(*args.begin());
      if (retry == Retry::Unsafe)
        return failure(name + ": " + why + " (the connection broke: the change may or may not have been made)");
      return failure(name + ": " + why);
    }
  }

  const RedisAddress address_;
  const std::string name_;
  const std::string namespace_;  // "edgectl:<name>:"
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection> idle_;
  size_t open_ = 0;  // idle + in use
};

}  // namespace

std::string RedisAddress::endpoint() const {
  if (!socket.empty()) return socket;
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  const size_t scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  const size_t start = scheme + 3;
  // redis://: the userinfo ends at the last '@' (so a password with an unencoded '/' or '@'
  // is still hidden); unix://: before the socket's path.
  const bool unix_socket = out.compare(0, scheme, "unix") == 0;
  const size_t at = unix_socket ? out.rfind('@', out.find('/', start)) : out.rfind('@');
  if (at == std::string::npos || at < start) return out;
  const size_t colon = out.find(':', start);
  if (colon == std::string::npos || colon > at) return out.replace(start, at - start, "***");
  return out.replace(colon + 1, at - colon - 1, "***");
}

Result<RedisAddress> parse_redis_url(std::string_view url) {
  const std::string shown = redact_url(url);
  auto bad = [&](const std::string& why) {
    return Error("bad Redis URL '" + shown + "': " + why)
        .note("expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH/TO.sock[?db=N]");
  };
  RedisAddress a;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("no scheme");
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view rest = url.substr(scheme_end + 3);
  if (scheme == "rediss") return bad("TLS (rediss://) is not supported: Debian 12's hiredis is built without it");
  if (scheme != "redis" && scheme != "unix") return bad("unknown scheme '" + scheme + "://'");
  if (rest.find('#') != std::string_view::npos) return bad("unexpected '#' fragment");

  // [user:password@]: up to the last '@' (redis://), or the last '@' before the socket's
  // path (unix://), as redact_url reads it.
  const size_t at = scheme == "unix" ? rest.substr(0, rest.find('/')).rfind('@') : rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      return bad("a user needs a password: USER:PASSWORD@ (or :PASSWORD@ for Redis's default user)");
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) return bad("a bad %-escape in the user or password");
    if (password->empty()) return bad("an empty password");
    a.user = std::move(*user);
    a.password = std::move(*password);
    rest.remove_prefix(at + 1);
  }
  const size_t authority_end = scheme == "unix" ? rest.find('/') : rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, std::min(authority_end, rest.size()));

  if (scheme == "unix") {
    if (!authority.empty()) return bad("unix:// takes a path, e.g. unix:///run/redis/redis-server.sock");
    std::string_view path = rest, query;
    if (const size_t q = rest.find('?'); q != std::string_view::npos) {
      path = rest.substr(0, q);
      query = rest.substr(q + 1);
    }
    if (path.empty() || path.front() != '/') return bad("no socket path");
    a.socket = std::string(path);
    if (!query.empty()) {
      if (!query.starts_with("db=")) return bad("the only query parameter is db=N");
      auto db = parse_small(query.substr(3), kMaxDb);
      if (!db) return bad("db must be a number from 0, e.g. ?db=1");
      a.db = *db;
    }
    return a;
  }

  // host[:port]
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("no ']' after the IPv6 address");
    a.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected ':PORT' after ']'");
      port = after.substr(1);
      if (port.empty()) return bad("an empty port");
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
      return bad("an IPv6 address needs brackets, e.g. redis://[::1]:6379");
    a.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return bad("an empty port");
    }
  }
  if (a.host.empty()) return bad("no host");
  for (char c : a.host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%'))
      return bad("'" + std::string(1, c) + "' in the host");
  if (!port.empty()) {
    auto p = parse_small(port, 65535);
    if (!p || *p == 0) return bad("the port must be a number from 1 to 65535");
    a.port = static_cast<uint16_t>(*p);
  }

  // [/db]
  std::string_view path = rest.substr(authority.size());
  if (path.starts_with('?')) return bad("unexpected query '" + std::string(path) + "' (the db goes in the path: /1)");
  if (!path.empty()) path.remove_prefix(1);  // the '/'
  if (!path.empty()) {
    auto db = parse_small(path, kMaxDb);
    if (!db) return bad("the db must be a number from 0, e.g. redis://127.0.0.1:6379/1");
    a.db = *db;
  }
  return a;
}

Result<std::unique_ptr<Store>> open_redis(const std::string& url, const std::string& store_name) {
  auto address = parse_redis_url(url);
  if (!address) return std::move(address).error().context("key-value store '" + store_name + "': ");
  return RedisStore::open(*address, store_name);
}

}  // namespace edgectl::kv
