#include <doctest/doctest.h>

#include <string>

#include "bench/ws_load.hpp"
#include "bench/ws_result.hpp"

using namespace edgectl;
using namespace edgectl::bench;

namespace {

// More than any process may open here (the hard limit is well below a billion).
constexpr uint32_t kTooManyConnections = 1'000'000'000;

}  // namespace

TEST_CASE("bench: parse_ws_url takes ws:// and refuses wss:// and http://") {
  auto u = parse_ws_url("ws://127.0.0.1:3000/ws?room=1");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 3000);
  CHECK(u->target == "/ws?room=1");
  auto bare = parse_ws_url("ws://example.com");
  REQUIRE(bare);
  CHECK(bare->port == 80);
  CHECK(bare->target == "/");

  auto secure = parse_ws_url("wss://127.0.0.1/ws");
  REQUIRE_FALSE(secure);
  CHECK(secure.error().message().find("wss:// is not supported") != std::string::npos);
  CHECK_FALSE(parse_ws_url("http://127.0.0.1/ws"));
  CHECK_FALSE(parse_ws_url("ws://127.0.0.1:99999/ws"));
  CHECK_FALSE(parse_ws_url("ws:///ws"));
}

TEST_CASE("bench: ensure_open_files fits a few connections and names the limit when it cannot") {
  CHECK(ensure_open_files(1));
  auto s = ensure_open_files(kTooManyConnections);
  REQUIRE_FALSE(s);
  CHECK(s.error().message().find("ulimit -Hn") != std::string::npos);
}

TEST_CASE("bench: the ws result's JSON has counts by reason and code, and histograms in ns") {
  WsResult r;
  r.url = "ws://127.0.0.1:3000/ws";
  r.connections = 100;
  r.opened = 50;
  r.failed.status[503] = 50;
  r.dropped.close[1001] = 3;
  r.dropped.eof = 1;
  r.connect.record(2'000'000);
  const auto j = to_json(r);
  CHECK(j["failed"]["status"]["503"] == 50);
  CHECK(j["failed"]["total"] == 50);
  CHECK(j["dropped"]["close"]["1001"] == 3);
  CHECK(j["dropped"]["total"] == 4);
  CHECK(j["connect_us"]["p50"].get<double>() >= 2000.0);
  CHECK(j["connect_histogram"]["unit"] == "ns");
  CHECK(j["connect_histogram"]["buckets"].size() == 1);
  CHECK(j["rate"].is_null());
  CHECK(j["message"].is_null());
  CHECK(j["round_trip_us"]["count"] == 0);
}
