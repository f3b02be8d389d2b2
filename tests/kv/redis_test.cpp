// The Redis store (core/kv/redis.cpp) against a real redis-server that each test case starts
// on a free 127.0.0.1 port (no disk, no daemon) and stops by its PID: the same behaviour as
// memory and SQLite (kv_support.hpp), namespaces, URLs, passwords, an unreachable or
// restarted Redis. Without redis-server the cases that need one say so and pass; CI has it
// (scripts/setup.sh).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <thread>

#include "kv/kv.hpp"
#include "kv/kv_support.hpp"
#include "util/fs.hpp"
#include "util/process.hpp"

extern char** environ;

namespace edgectl::kv {
namespace {

using namespace std::chrono_literals;

// A port nothing listens on right now (the kernel's pick; another program could take it
// before we do, which the tests would show as a failed start).
uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

// One redis-server child, stopped (SIGTERM, then SIGKILL) by its PID when this goes away.
class RedisServer {
 public:
  // nullptr (with a MESSAGE) when redis-server is not installed.
  static std::unique_ptr<RedisServer> start(std::vector<std::string> extra = {}, uint16_t port = 0) {
    auto exe = find_program("redis-server");
    if (!exe) {
      MESSAGE("skipped: redis-server is not installed (scripts/setup.sh installs it)");
      return nullptr;
    }
    // hiredis writes with write(): a Redis that goes away mid-test must not kill the test
    // process (edgectl itself ignores SIGPIPE in main).
    std::signal(SIGPIPE, SIG_IGN);
    auto server = std::unique_ptr<RedisServer>(new RedisServer(port ? port : free_port()));
    server->spawn(*exe, extra);
    return server;
  }
  ~RedisServer() { stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url(int db = 0) const { return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db); }
  std::string socket() const { return (dir_.path() / "redis.sock").string(); }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // A command straight to the server (not through the store), e.g. GET edgectl:default:hits.
  std::optional<std::string> raw_get(const std::string& key) const {
    redisContext* c = redisConnect("127.0.0.1", port_);
    REQUIRE((c && !c->err));
    auto* r = static_cast<redisReply*>(redisCommand(c, "GET %b", key.data(), key.size()));
    std::optional<std::string> out;
    if (r && r->type == REDIS_REPLY_STRING) out = std::string(r->str, r->len);
    if (r) freeReplyObject(r);
    redisFree(c);
    return out;
  }

 private:
  explicit RedisServer(uint16_t port) : dir_("edgectl-redis"), port_(port) {}

  void spawn(const std::filesystem::path& exe, const std::vector<std::string>& extra) {
    std::vector<std::string> args{exe.string(), "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no", "--daemonize", "no",
                                  "--dir", dir_.path().string(), "--unixsocket", socket(), "--unixsocketperm", "700"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (dir_.path() / "redis.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = ::posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE_MESSAGE(rc == 0, "cannot start redis-server: " << std::strerror(rc));
    // Up when it answers PING (or NOAUTH, with --requirepass).
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("redis-server exited at start: " << read_text_file(log).value());
      }
      const timeval timeout{0, 200'000};
      if (redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, timeout)) {
        auto* r = c->err ? nullptr : static_cast<redisReply*>(redisCommand(c, "PING"));
        redisFree(c);
        if (r) {
          freeReplyObject(r);
          return;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL("redis-server did not answer PING within 10s: " << read_text_file(log).value());
  }

  TempDir dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

std::unique_ptr<Store> open_or_fail(const std::string& url, const std::string& name) {
  auto s = open_redis(url, name);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  return std::move(s).value();
}

TEST_CASE("kv redis: the same behaviour as memory and SQLite, from more threads than connections") {
  auto server = RedisServer::start();
  if (!server) return;
  auto s = open_or_fail(server->url(), "default");
  test::exercise(*s);
  test::concurrent_counter(*s);
  test::concurrent_compare_and_swap(*s, 32);  // 32 threads share the pool of 16 connections
  CHECK(s->describe() == "redis 127.0.0.1:" + std::to_string(server->port()) + " db 0");
  // Where the data is: edgectl:<store>:<key>, plain decimal text for counters.
  CHECK(server->raw_get("edgectl:default:hits") == "2000");
  CHECK(server->raw_get("edgectl:default:c") == "second");
}

TEST_CASE("kv redis: two stores in one Redis (or one store in two dbs) do not see each other's keys") {
  auto server = RedisServer::start();
  if (!server) return;
  auto a = open_or_fail(server->url(), "a");
  auto b = open_or_fail(server->url(), "b");
  auto a_in_db1 = open_or_fail(server->url(1), "a");
  REQUIRE(a->set("k", "from a").ok());
  REQUIRE(b->set("k", "from b").ok());
  CHECK(**a->get("k") == "from a");
  CHECK(**b->get("k") == "from b");
  CHECK_FALSE(a_in_db1->get("k")->has_value());
  CHECK(*a->keys("", 0, 100) == std::vector<std::string>{"k"});
  CHECK(a_in_db1->keys("", 0, 100)->empty());
  REQUIRE(b->remove("k").ok());
  CHECK(**a->get("k") == "from a");
  CHECK(**b->increment("n", 2) == 2);
  CHECK_FALSE(a->exists("n").value());
  CHECK(a_in_db1->describe().ends_with(" db 1"));

  // A prefix with glob characters matches those characters only.
  for (const char* k : {"x*1", "x?2", "x[3]", "x\\4", "xy"}) REQUIRE(a->set(k, "v").ok());
  CHECK(*a->keys("x*", 0, 10) == std::vector<std::string>{"x*1"});
  CHECK(*a->keys("x?", 0, 10) == std::vector<std::string>{"x?2"});
  CHECK(*a->keys("x[", 0, 10) == std::vector<std::string>{"x[3]"});
  CHECK(*a->keys("x\\", 0, 10) == std::vector<std::string>{"x\\4"});
  CHECK(*a->keys("x", 0, 10) == std::vector<std::string>{"x*1", "x?2", "x[3]", "x\\4", "xy"});
  CHECK(*a->keys("x", 4, 10) == std::vector<std::string>{"xy"});
  CHECK(a->keys("x", 5, 10)->empty());
  CHECK(a->keys("x", 0, 0)->empty());
  // More keys than one SCAN round trip returns, in byte order.
  for (int i = 0; i < 2500; ++i) REQUIRE(b->set("many:" + std::to_string(10000 + i), "v").ok());
  auto many = b->keys("many:", 1000, 3);
  REQUIRE(many.ok());
  CHECK(*many == std::vector<std::string>{"many:11000", "many:11001", "many:11002"});
  CHECK(b->keys("many:", 0, 100000)->size() == 2500);
}

TEST_CASE("kv redis: URLs are parsed strictly, and a bad one is refused with the reason but not the password") {
  auto ok = parse_redis_url("redis://127.0.0.1");
  REQUIRE(ok.ok());
  CHECK(ok->host == "127.0.0.1");
  CHECK(ok->port == 6379);
  CHECK(ok->db == 0);
  CHECK(ok->password.empty());
  CHECK(ok->endpoint() == "127.0.0.1:6379");

  auto full = parse_redis_url("redis://al%40ice:p%3Ass@[::1]:6380/2");
  REQUIRE(full.ok());
  CHECK(full->user == "al@ice");
  CHECK(full->password == "p:ss");
  CHECK(full->host == "::1");
  CHECK(full->port == 6380);
  CHECK(full->db == 2);
  CHECK(full->endpoint() == "[::1]:6380");

  auto legacy = parse_redis_url("REDIS://:secret@cache.internal:7000/");
  REQUIRE(legacy.ok());
  CHECK(legacy->user.empty());
  CHECK(legacy->password == "secret");
  CHECK(legacy->db == 0);

  auto unix_socket = parse_redis_url("unix:///run/redis/redis.sock?db=4");
  REQUIRE(unix_socket.ok());
  CHECK(unix_socket->socket == "/run/redis/redis.sock");
  CHECK(unix_socket->db == 4);
  CHECK(unix_socket->endpoint() == "/run/redis/redis.sock");

  const std::pair<const char*, const char*> bad[] = {
      {"127.0.0.1:6379", "no scheme"},
      {"http://127.0.0.1", "unknown scheme 'http://'"},
      {"rediss://127.0.0.1", "TLS"},
      {"redis://", "no host"},
      {"redis://:6379", "no host"},
      {"redis://host:0", "port must be a number from 1 to 65535"},
      {"redis://host:65536", "port must be"},
      {"redis://host:http", "port must be"},
      {"redis://host:", "empty port"},
      {"redis://host/one", "db must be a number"},
      {"redis://host/1/2", "db must be a number"},
      {"redis://host?db=1", "unexpected query"},
      {"redis://::1", "IPv6 address needs brackets"},
      {"redis://[::1:6379", "no ']'"},
      {"redis://ho st", "' ' in the host"},
      {"redis://user@host", "a user needs a password"},
      {"redis://:p%zz@host", "%-escape"},
      {"redis://:@host", "empty password"},
      {"unix://relative.sock", "unix:// takes a path"},
      {"unix:///tmp/r.sock?database=1", "db=N"},
      {"redis://host#x", "fragment"},
  };
  for (const auto& [url, why] : bad) {
    INFO(url);
    auto r = parse_redis_url(url);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find(why) != std::string::npos);
    CHECK(r.error().message().find("'" + redact_url(url) + "'") != std::string::npos);
  }

  // The password is replaced by *** wherever the URL is quoted (also when it holds '/').
  for (const char* url : {"redis://user:s3cr3t@host:http", "redis://:s3/cr3t@host/x", "redis://s3cr3t@host"}) {
    INFO(url);
    auto r = parse_redis_url(url);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("s3") == std::string::npos);
    CHECK(r.error().message().find("***@host") != std::string::npos);
  }
  CHECK(redact_url("redis://u:pw@h:1/2") == "redis://u:***@h:1/2");
  CHECK(redact_url("unix://:pw@/tmp/a@b.sock") == "unix://:***@/tmp/a@b.sock");
  CHECK(redact_url("unix:///tmp/a@b.sock") == "unix:///tmp/a@b.sock");
  CHECK(redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0");

  // open_redis says which store the URL was for.
  auto s = open_redis("redis://host:nope", "sessions");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().starts_with("key-value store 'sessions': bad Redis URL"));
}

TEST_CASE("kv redis: an unreachable Redis is a clear error that names the store and the address") {
  const uint16_t port = free_port();
  auto s = open_redis("redis://127.0.0.1:" + std::to_string(port) + "/0", "default");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message() ==
        "key-value store 'default' (redis 127.0.0.1:" + std::to_string(port) + " db 0): connection refused");
  auto missing = open_redis("unix:///nonexistent/redis.sock", "default");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message() ==
        "key-value store 'default' (redis /nonexistent/redis.sock db 0): no such file or directory");
}

TEST_CASE("kv redis: a server that never answers is an error after the command timeout, not a hang") {
  // A socket that listens but never reads: the kernel completes the connection, nothing replies.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  const std::string port = std::to_string(ntohs(a.sin_port));
  const auto started = std::chrono::steady_clock::now();
  auto s = open_redis("redis://127.0.0.1:" + port, "default");
  const auto took = std::chrono::steady_clock::now() - started;
  ::close(fd);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message() ==
        "key-value store 'default' (redis 127.0.0.1:" + port + " db 0): PING: no answer within 5s");
  CHECK(took >= 4s);
  CHECK(took < 15s);
}

TEST_CASE("kv redis: a password is sent; a missing or wrong one is refused, and never shown") {
  auto server = RedisServer::start({"--requirepass", "s3cret-pw"});
  if (!server) return;
  const std::string where = "127.0.0.1:" + std::to_string(server->port()) + "/0";
  auto none = open_redis("redis://" + where, "default");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message().find("key-value store 'default' (redis 127.0.0.1:") == 0);
  CHECK(none.error().message().find("NOAUTH") != std::string::npos);

  auto wrong = open_redis("redis://:wrong-pw@" + where, "default");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message().find("authentication failed") != std::string::npos);
  CHECK(wrong.error().message().find("wrong-pw") == std::string::npos);

  auto s = open_or_fail("redis://:s3cret-pw@" + where, "default");
  REQUIRE(s->set("k", "v").ok());
  CHECK(**s->get("k") == "v");
  CHECK(s->describe().find("s3cret") == std::string::npos);
  // Redis 6's ACL form: AUTH user password.
  auto acl = open_or_fail("redis://default:s3cret-pw@" + where, "default");
  CHECK(**acl->get("k") == "v");
}

TEST_CASE("kv redis: a Unix socket; a Redis restarted under a store is reconnected to") {
  auto server = RedisServer::start();
  if (!server) return;
  auto local = open_or_fail("unix://" + server->socket(), "default");
  CHECK(local->describe() == "redis " + server->socket() + " db 0");
  REQUIRE(local->set("via", "socket").ok());

  auto s = open_or_fail(server->url(), "default");
  CHECK(**s->get("via") == "socket");
  test::concurrent_counter(*s);  // several pooled connections, now idle

  const uint16_t port = server->port();
  server->stop();
  auto down = s->get("hits");
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().message() ==
        "key-value store 'default' (redis 127.0.0.1:" + std::to_string(port) + " db 0): connection refused");

  server = RedisServer::start({}, port);  // empty: --save '' kept nothing
  REQUIRE(server);
  CHECK_FALSE(s->get("hits")->has_value());
  // INCRBY is never sent twice; it works because the idle connections, closed by the old
  // server, were noticed and replaced before use.
  CHECK(**s->increment("hits", 1) == 1);
  REQUIRE(s->remove("hits").ok());
  test::concurrent_counter(*s);
  CHECK(server->raw_get("edgectl:default:hits") == "2000");
}

}  // namespace
}  // namespace edgectl::kv
