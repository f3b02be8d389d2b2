// The `edgectl` host module through the engine under test (interp, and aot in the "aot/"
// run): C programs using the shipped binding (templates/_bindings/c/src/edgectl.h) call
// every function, with their results printed and checked; bad pointers trap with the
// function named; capabilities (stores, outbound hosts) are refused unless declared.
#include <mutex>

#include "engine_support.hpp"
#include "runtime/host/host.hpp"

namespace edgectl::runtime {
namespace {

using test::compile_c;
using test::load;
using test::test_engine;

std::vector<std::string> c_flags() {
  return {"-O2", "-I" + (test::source_dir() / "templates" / "_bindings" / "c" / "src").string()};
}

struct Harness {
  std::mutex mu;
  std::vector<host::LogRecord> logs;
  std::vector<std::string> sent;  // "route|connection|binary|data"
  std::shared_ptr<host::Services> services;
  std::shared_ptr<host::Grants> grants = std::make_shared<host::Grants>();

  Harness() {
    host::ServicesOptions o;
    o.kv = host::ServicesOptions::Kv::Memory;
    o.on_log = [this](const host::LogRecord& r) {
      std::lock_guard lock(mu);
      logs.push_back(r);
    };
    o.websocket.send = [this](const std::string& route, const std::string& conn, bool binary, std::string data) {
      if (conn == "gone") return false;
      sent.push_back(route + "|" + conn + "|" + (binary ? "1" : "0") + "|" + data);
      return true;
    };
    o.websocket.close = [this](const std::string& route, const std::string& conn, uint16_t code) {
      sent.push_back(route + "|" + conn + "|close|" + std::to_string(code));
      return true;
    };
    o.websocket.connections = [](const std::string&) { return std::vector<std::string>{"c1", "c2"}; };
    services = std::make_shared<host::Services>(std::move(o));
    grants->component = "shop";
    grants->stores = {"default"};
  }

  test::Ran run(const Module& module, std::string ws_route = "", std::string ws_connection = "") {
    auto session = std::make_shared<host::Session>();
    session->services = services;
    session->grants = grants;
    session->request_id = "req-1";
    session->ws_route = std::move(ws_route);
    session->ws_connection = std::move(ws_connection);
    wasi::WasiConfig config;
    config.args = {"t"};
    config.host_session = session;
    return test::run_command(module, config);
  }
};

TEST_CASE("host api: every key-value function, with its limits and error codes") {
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <stdio.h>
    #include "edgectl.h"
    int main(void) {
      uint32_t kv = 0, other = 0, len = 0, flag = 0;
      printf("version %d\n", edgectl_api_version());
      printf("open other %d\n", edgectl_kv_open_str("other", &other));
      printf("open %d handle %u\n", edgectl_kv_open_str("default", &kv), kv);
      char buf[64];
      printf("get missing %d\n", edgectl_kv_get(kv, "k", 1, buf, sizeof buf, &len));
      printf("set %d\n", edgectl_kv_set(kv, "k", 1, "hello", 5));
      int rc = edgectl_kv_get(kv, "k", 1, buf, sizeof buf, &len);
      printf("get %d %.*s\n", rc, (int)len, buf);
      printf("get small %d need %u\n", edgectl_kv_get(kv, "k", 1, buf, 2, &len), len);
      printf("exists %d %u\n", edgectl_kv_exists(kv, "k", 1, &flag), flag);
      printf("delete %d\n", edgectl_kv_delete(kv, "k", 1));
      printf("exists after %d %u\n", edgectl_kv_exists(kv, "k", 1, &flag), flag);
      int64_t n = 0;
      edgectl_kv_increment_str(kv, "stock", 500, &n);
      printf("increment %d %lld\n", edgectl_kv_increment_str(kv, "stock", -1, &n), (long long)n);
      edgectl_kv_set(kv, "text", 4, "abc", 3);
      printf("increment text %d\n", edgectl_kv_increment_str(kv, "text", 1, &n));
      printf("cas absent %d\n", edgectl_kv_compare_and_swap(kv, "c", 1, 0, EDGECTL_EXPECT_ABSENT, "v1", 2));
      printf("cas absent again %d\n", edgectl_kv_compare_and_swap(kv, "c", 1, 0, EDGECTL_EXPECT_ABSENT, "v2", 2));
      printf("cas wrong %d\n", edgectl_kv_compare_and_swap(kv, "c", 1, "zz", 2, "v2", 2));
      printf("cas right %d\n", edgectl_kv_compare_and_swap(kv, "c", 1, "v1", 2, "v2", 2));
      edgectl_kv_set(kv, "user:2", 6, "b", 1);
      edgectl_kv_set(kv, "user:1", 6, "a", 1);
      edgectl_kv_set(kv, "user:3", 6, "c", 1);
      uint64_t cursor = 0;
      char keys[32];
      do {
        rc = edgectl_kv_list(kv, "user:", 5, cursor, keys, 22, &len, &cursor);
        printf("list %d [", rc);
        for (uint32_t at = 0; at + 4 <= len;) {
          uint32_t k;
          memcpy(&k, keys + at, 4);
          printf(" %.*s", (int)k, keys + at + 4);
          at += 4 + k;
        }
        printf(" ] next %llu\n", (unsigned long long)cursor);
      } while (rc == 0 && cursor != 0);
      printf("list small %d need %u\n", edgectl_kv_list(kv, "user:", 5, 0, keys, 3, &len, &cursor), len);
      static char big_key[257];
      memset(big_key, 'k', sizeof big_key);
      printf("key too large %d\n", edgectl_kv_set(kv, big_key, 257, "v", 1));
      printf("key 256 ok %d\n", edgectl_kv_set(kv, big_key, 256, "v", 1));
      static char big_value[1024 * 1024 + 1];
      printf("value too large %d\n", edgectl_kv_set(kv, "b", 1, big_value, sizeof big_value));
      printf("value 1MiB ok %d\n", edgectl_kv_set(kv, "b", 1, big_value, sizeof big_value - 1));
      printf("bad handle %d\n", edgectl_kv_get(99, "k", 1, buf, sizeof buf, &len));
      printf("log %d\n", edgectl_log_str(EDGECTL_WARN, "low stock"));
      printf("log bad level %d\n", edgectl_log(9, "x", 1));
      return 0;
    })c", c_flags()));
  Harness h;
  auto ran = h.run(*module);
  REQUIRE_MESSAGE(ran.outcome.status == RunOutcome::Status::Returned, ran.err);
  CHECK(ran.out ==
        "version 1\n"
        "open other 3\n"
        "open 0 handle 1\n"
        "get missing 1\n"
        "set 0\n"
        "get 0 hello\n"
        "get small 2 need 5\n"
        "exists 0 1\n"
        "delete 0\n"
        "exists after 0 0\n"
        "increment 0 499\n"
        "increment text 4\n"
        "cas absent 0\n"
        "cas absent again 7\n"
        "cas wrong 7\n"
        "cas right 0\n"
        "list 0 [ user:1 user:2 ] next 2\n"
        "list 0 [ user:3 ] next 0\n"
        "list small 2 need 10\n"
        "key too large 5\n"
        "key 256 ok 0\n"
        "value too large 6\n"
        "value 1MiB ok 0\n"
        "bad handle 9\n"
        "log 0\n"
        "log bad level 4\n");
  // The store is the app's: a second instance sees what the first wrote.
  auto store = h.services->store("default");
  REQUIRE(store.ok());
  CHECK(**(*store)->get("stock") == "499");
  CHECK(**(*store)->get("c") == "v2");
  // The refused store and the guest's log line reached the log, with component and request.
  std::lock_guard lock(h.mu);
  REQUIRE(h.logs.size() == 2);
  CHECK(h.logs[0].from_host);
  CHECK(h.logs[0].message.find("refused key-value store 'other'") != std::string::npos);
  CHECK(h.logs[1].message == "low stock");
  CHECK(h.logs[1].level == host::LogLevel::Warn);
  CHECK(h.logs[1].component == "shop");
  CHECK(h.logs[1].request_id == "req-1");
  CHECK_FALSE(h.logs[1].from_host);
}

TEST_CASE("host api: a pointer outside memory traps, naming the function") {
  auto engine = test_engine();
  auto module = load(*engine, test::wat(R"((module
    (import "edgectl" "kv_open" (func $open (param i32 i32 i32) (result i32)))
    (import "edgectl" "kv_get" (func $get (param i32 i32 i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "default")
    (func (export "bad_name") (result i32) (call $open (i32.const 65530) (i32.const 100) (i32.const 16)))
    (func (export "bad_out") (result i32) (call $open (i32.const 0) (i32.const 7) (i32.const 65534)))
    (func (export "bad_buffer") (result i32)
      (drop (call $open (i32.const 0) (i32.const 7) (i32.const 16)))
      (call $get (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65000) (i32.const 1000) (i32.const 20)))
    (func (export "huge_len") (result i32) (call $open (i32.const 0) (i32.const -1) (i32.const 16))))
  )"));
  Harness h;
  for (const char* fn : {"bad_name", "bad_out", "bad_buffer", "huge_len"}) {
    CAPTURE(fn);
    auto session = std::make_shared<host::Session>();
    session->services = h.services;
    session->grants = h.grants;
    wasi::WasiConfig config;
    config.host_session = session;
    auto ctx = wasi::WasiCtx::create(config);
    REQUIRE(ctx.ok());
    auto instance = test::instantiate(*module, Limits::defaults(), std::move(*ctx));
    auto o = test::invoke(*instance, fn);
    CHECK(test::trap_kind(o) == TrapKind::HostError);
    const std::string fname = std::string(fn) == "bad_buffer" ? "edgectl.kv_get" : "edgectl.kv_open";
    CHECK_MESSAGE(o.trap->message.find(fname + ": pointer") != std::string::npos, o.trap->message);
    CHECK_MESSAGE(o.trap->message.find("outside the guest's memory (65536 bytes)") != std::string::npos, o.trap->message);
  }
}

TEST_CASE("host api: without host services (edgectl run) the functions trap, saying where they work") {
  auto engine = test_engine();
  auto module = load(*engine, test::wat(R"((module
    (import "edgectl" "api_version" (func $v (result i32)))
    (func (export "v") (result i32) (call $v))))"));
  auto o = test::invoke_fresh(*module, "v");
  CHECK(test::trap_kind(o) == TrapKind::HostError);
  CHECK(o.trap->message.find("edgectl serve provides it") != std::string::npos);
}

TEST_CASE("host api: imports are checked against version 1's functions and signatures") {
  auto engine = test_engine();
  auto unknown = engine->load(test::wat(R"((module (import "edgectl" "kv_teleport" (func (param i32) (result i32)))))"), {});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message().find("is not a function of the edgectl host API version 1") != std::string::npos);
  auto wrong = engine->load(test::wat(R"((module (import "edgectl" "kv_open" (func (param i32) (result i32)))))"), {});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message().find("but the edgectl host API declares (i32, i32, i32) -> i32") != std::string::npos);
}

TEST_CASE("host api: outbound HTTP is denied unless the host is declared, and logged") {
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <stdio.h>
    #include "edgectl.h"
    static int get(const char* url) {
      uint32_t r = 0;
      return edgectl_http_request("GET", 3, url, strlen(url), "", 0, "", 0, &r);
    }
    int main(void) {
      printf("%d %d %d\n", get("http://127.0.0.1:9/x"), get("ftp://127.0.0.1/x"), get("not a url"));
      printf("method %d\n", edgectl_http_request("get", 3, "http://a/", 9, "", 0, "", 0, 0));
      uint32_t status;
      printf("bad handle %d\n", edgectl_http_response_status(7, &status));
      return 0;
    })c", c_flags()));
  Harness h;
  auto ran = h.run(*module);
  CHECK(ran.out == "3 4 4\nmethod 4\nbad handle 9\n");
  std::lock_guard lock(h.mu);
  REQUIRE(h.logs.size() == 1);
  CHECK(h.logs[0].message.find("refused outbound request to http://127.0.0.1:9") != std::string::npos);
  CHECK(h.logs[0].message.find("allowed_outbound_hosts") != std::string::npos);
}

TEST_CASE("host api: WebSocket sends go to the route's connections, only from a WebSocket route") {
  auto engine = test_engine();
  auto module = load(*engine, compile_c(R"c(
    #include <stdio.h>
    #include "edgectl.h"
    int main(void) {
      char ids[64];
      uint32_t len = 0;
      int rc = edgectl_ws_connections(ids, sizeof ids, &len);
      printf("connections %d %.*s", rc, (int)len, ids);
      printf("send own %d\n", edgectl_ws_send("", 0, 0, "hi", 2));
      printf("send other %d\n", edgectl_ws_send("c2", 2, 1, "bin", 3));
      printf("send gone %d\n", edgectl_ws_send("gone", 4, 0, "x", 1));
      printf("send bad kind %d\n", edgectl_ws_send("", 0, 5, "x", 1));
      printf("close %d\n", edgectl_ws_close("c2", 2, 4000));
      printf("close bad code %d\n", edgectl_ws_close("c2", 2, 1005));
      return 0;
    })c", c_flags()));
  Harness h;
  auto ran = h.run(*module, "/chat", "c1");
  CHECK(ran.out ==
        "connections 0 c1\nc2\nsend own 0\nsend other 0\nsend gone 11\nsend bad kind 4\nclose 0\nclose bad code 4\n");
  CHECK(h.sent == std::vector<std::string>{"/chat|c1|0|hi", "/chat|c2|1|bin", "/chat|c2|close|4000"});
  // Not on a WebSocket route: unavailable.
  Harness plain;
  auto ran2 = plain.run(*module);
  CHECK(ran2.out.find("connections 11") == 0);
  CHECK(plain.sent.empty());
}

}  // namespace
}  // namespace edgectl::runtime

namespace edgectl::runtime::host {
namespace {

TEST_CASE("host patterns: Spin's allowed_outbound_hosts syntax") {
  auto p = [](std::string_view s) {
    std::string why;
    auto r = parse_host_pattern(s, &why);
    REQUIRE_MESSAGE(r.has_value(), why);
    return *r;
  };
  const std::vector<HostPattern> list = {p("https://api.example.com"), p("http://127.0.0.1:*"), p("https://*.cdn.example:8443"),
                                         p("*://localhost:3000")};
  CHECK(allows(list, "https", "api.example.com", 443));
  CHECK(allows(list, "https", "API.example.com", 443));
  CHECK_FALSE(allows(list, "http", "api.example.com", 80));
  CHECK_FALSE(allows(list, "https", "api.example.com", 8443));
  CHECK(allows(list, "http", "127.0.0.1", 1234));
  CHECK(allows(list, "https", "a.cdn.example", 8443));
  CHECK_FALSE(allows(list, "https", "cdn.example", 8443));
  CHECK(allows(list, "http", "localhost", 3000));
  CHECK(allows(list, "https", "localhost", 3000));
  CHECK_FALSE(allows(list, "https", "evil.com", 443));
  CHECK_FALSE(allows({}, "https", "api.example.com", 443));
  std::string why;
  CHECK_FALSE(parse_host_pattern("api.example.com", &why));
  CHECK(why.find("SCHEME://HOST") != std::string::npos);
  CHECK_FALSE(parse_host_pattern("https://a.*.com", &why));
  CHECK_FALSE(parse_host_pattern("https://a.com/path", &why));
  CHECK_FALSE(parse_host_pattern("https://a.com:99999", &why));
  CHECK_FALSE(parse_host_pattern("gopher://a.com", &why));
}

}  // namespace
}  // namespace edgectl::runtime::host
