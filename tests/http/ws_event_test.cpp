// A WebSocket event's guest environment (docs/contract.md, "WebSocket"): the upgrade request's
// CGI variables, the WS_ variables (the server's win over the component's), and
// CONTENT_LENGTH the size of the message on stdin.
#include <doctest/doctest.h>

#include "http/executor.hpp"
#include "runtime/engine_support.hpp"
#include "support.hpp"

namespace edgectl::http {
namespace {

constexpr std::string_view kPrintEnv = R"C(
#include <stdio.h>
#include <stdlib.h>
static const char* env(const char* n) { const char* v = getenv(n); return v ? v : "(unset)"; }
int main(void) {
  char in[64];
  size_t n = fread(in, 1, sizeof in, stdin);
  printf("%s|%s|%s|%s|%s|%s|", env("WS_EVENT"), env("WS_CONNECTION_ID"), env("WS_MESSAGE_TYPE"),
         env("CONTENT_LENGTH"), env("REQUEST_METHOD"), env("WS_EXTRA"));
  fwrite(in, 1, n, stdout);
  return 0;
}
)C";

TEST_CASE("websocket event: the environment and CONTENT_LENGTH of each event") {
  auto engine = test::test_engine();
  Component c;
  c.id = "app";
  c.module = test::load(*engine, test::compile_c(kPrintEnv));
  c.limits = runtime::Limits::defaults();
  c.env = {{"WS_EVENT", "configured"}, {"WS_EXTRA", "configured"}};
  Request upgrade;
  upgrade.method = "GET";
  upgrade.target = "/ws";
  upgrade.remote_addr = "127.0.0.1";
  upgrade.server_name = "localhost";
  upgrade.server_port = 3000;
  const RouteMatch match{"/ws", "/ws", "", ""};

  auto run = [&](WsEvent event, bool binary, std::string_view payload) {
    const Execution e = execute_ws_event(c, upgrade, match, "id-1", {event, "id-1", binary, payload});
    REQUIRE_MESSAGE(e.failure.empty(), e.failure);
    return e.response.body;
  };
  // WS_ variables of the component are dropped, not only the three the server sets.
  CHECK(run(WsEvent::Open, false, "") == "open|id-1|text|0|GET|(unset)|");
  CHECK(run(WsEvent::Message, false, "hello") == "message|id-1|text|5|GET|(unset)|hello");
  CHECK(run(WsEvent::Message, true, std::string_view("\0\1\2", 3)) ==
        "message|id-1|binary|3|GET|(unset)|" + std::string("\0\1\2", 3));
  CHECK(run(WsEvent::Close, false, "") == "close|id-1|text|0|GET|(unset)|");
}

}  // namespace
}  // namespace edgectl::http
