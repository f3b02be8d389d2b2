// The WAGI rules of docs/contract.md: the CGI environment a request becomes, the guest's
// stdout parsed as a CGI response, and path percent-decoding.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "http/wagi.hpp"

namespace edgectl::http {
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

// The value of `name`, or "(unset)"; fails the test if it occurs twice.
std::string get(const Env& env, std::string_view name) {
  const auto n =
      std::count_if(env.begin(), env.end(), [&](const auto& kv) { return kv.first == name; });
  REQUIRE_MESSAGE(n <= 1, (std::string(name) + " occurs more than once"));
  for (const auto& [k, v] : env)
    if (k == name) return v;
  return "(unset)";
}

Request sample_request() {
  Request r;
  r.method = "POST";
  r.target = "/api/items%2Fx?id=3&b=%20";
  r.headers = {{"Host", "example.com:8080"},
               {"Content-Type", "application/json"},
               {"Content-Length", "99"},
               {"User-Agent", "curl/8"}};
  r.body = "{\"a\":1}";
  r.remote_addr = "127.0.0.1";
  r.remote_port = 54321;
  r.server_name = "example.com";
  r.server_port = 8080;
  return r;
}

RouteMatch sample_match() {
  return {"/api/...", "/api", "/items/x", "/items%2Fx"};
}

TEST_CASE("wagi: the environment of a prefix route, in the documented order") {
  const Env env = cgi_environment(sample_request(), sample_match(), "req-7",
                                  {{"API_BASE", "https://x"}, {"A", "1"}});
  const Env expected = {
      {"A", "1"},
      {"API_BASE", "https://x"},
      {"REQUEST_METHOD", "POST"},
      {"SCRIPT_NAME", "/api"},
      {"PATH_INFO", "/items/x"},
      {"PATH_TRANSLATED", "/items/x"},
      {"QUERY_STRING", "id=3&b=%20"},
      {"REQUEST_URI", "/api/items%2Fx?id=3&b=%20"},
      {"SERVER_NAME", "example.com"},
      {"SERVER_PORT", "8080"},
      {"SERVER_PROTOCOL", "HTTP/1.1"},
      {"SERVER_SOFTWARE", "edgectl/" EDGECTL_VERSION},
      {"GATEWAY_INTERFACE", "CGI/1.1"},
      {"REMOTE_ADDR", "127.0.0.1"},
      {"REMOTE_HOST", "127.0.0.1"},
      {"REMOTE_PORT", "54321"},
      {"REMOTE_USER", ""},
      {"AUTH_TYPE", ""},
      {"CONTENT_TYPE", "application/json"},
      {"CONTENT_LENGTH", "7"},  // the body's size, not the header's claim
      {"HTTP_HOST", "example.com:8080"},
      {"HTTP_USER_AGENT", "curl/8"},
      {"X_FULL_URL", "http://example.com:8080/api/items%2Fx?id=3&b=%20"},
      {"X_MATCHED_ROUTE", "/api/..."},
      {"X_RAW_PATH_INFO", "/items%2Fx"},
      {"X_REQUEST_ID", "req-7"},
  };
  CHECK(env == expected);
}

// Go's net/http/cgi builds r.URL from REQUEST_URI (else from SCRIPT_NAME + the decoded
// PATH_INFO, which loses "%2F") and r.RemoteAddr from REMOTE_ADDR:REMOTE_PORT (":0" without it).
TEST_CASE("wagi: REQUEST_URI is the target as sent, REMOTE_PORT the client's port") {
  Request r = sample_request();
  Env env = cgi_environment(r, sample_match(), "id", {});
  CHECK(get(env, "REQUEST_URI") == "/api/items%2Fx?id=3&b=%20");
  CHECK(get(env, "REMOTE_ADDR") == "127.0.0.1");
  CHECK(get(env, "REMOTE_PORT") == "54321");

  r.target = "/hello";  // no query: no '?'
  r.remote_addr = "::1";
  r.remote_port = 1;
  env = cgi_environment(r, {"/hello", "/hello", "", ""}, "id", {});
  CHECK(get(env, "REQUEST_URI") == "/hello");
  CHECK(get(env, "REMOTE_ADDR") == "::1");  // bare: Go's cgi brackets it in RemoteAddr
  CHECK(get(env, "REMOTE_PORT") == "1");

  r.target = "/?";  // an empty query is kept as sent
  CHECK(get(cgi_environment(r, sample_match(), "id", {}), "REQUEST_URI") == "/?");

  // An absolute-form target keeps its path and query only, so "http://" + HTTP_HOST +
  // REQUEST_URI is still a URL; no path at all is "/".
  for (const auto& [target, uri] : std::vector<std::pair<std::string, std::string>>{
           {"http://example.org/api/x?q=1", "/api/x?q=1"},
           {"http://example.org", "/"},
           {"http://example.org?q", "/?q"},
           {"*", "*"}}) {
    r.target = target;
    CHECK_MESSAGE(get(cgi_environment(r, sample_match(), "id", {}), "REQUEST_URI") == uri, target);
  }

  // The client cannot be impersonated through the component's env.
  r.target = "/a";
  env =
      cgi_environment(r, sample_match(), "id", {{"REQUEST_URI", "/forged"}, {"REMOTE_PORT", "9"}});
  CHECK(get(env, "REQUEST_URI") == "/a");
  CHECK(get(env, "REMOTE_PORT") == "1");
}

TEST_CASE("wagi: exact and root routes set SCRIPT_NAME and PATH_INFO as matched") {
  Request r = sample_request();
  r.method = "GET";
  r.target = "/hello";
  r.body.clear();
  Env env = cgi_environment(r, {"/hello", "/hello", "", ""}, "id", {});
  CHECK(get(env, "SCRIPT_NAME") == "/hello");
  CHECK(get(env, "PATH_INFO") == "");
  CHECK(get(env, "X_RAW_PATH_INFO") == "");
  CHECK(get(env, "X_MATCHED_ROUTE") == "/hello");
  CHECK(get(env, "QUERY_STRING") == "");
  CHECK(get(env, "CONTENT_LENGTH") == "0");
  CHECK(get(env, "X_FULL_URL") == "http://example.com:8080/hello");

  r.target = "/a/b%20c";
  env = cgi_environment(r, {"/...", "", "/a/b c", "/a/b%20c"}, "id", {});
  CHECK(get(env, "SCRIPT_NAME") == "");
  CHECK(get(env, "PATH_INFO") == "/a/b c");
  CHECK(get(env, "X_RAW_PATH_INFO") == "/a/b%20c");
  CHECK(get(env, "X_MATCHED_ROUTE") == "/...");
}

TEST_CASE("wagi: request headers become HTTP_ variables") {
  Request r = sample_request();
  r.headers = {
      {"X-Forwarded-For", "1.1.1.1"},
      {"accept", "text/html"},
      {"Accept", "application/json"},  // same name in another case: joined
      {"Cookie", "a=1"},
      {"cookie", "b=2, c"},  // cookies join with "; " since values may hold commas
      {"Authorization", "Bearer t"},
      {"Content-Type", "text/plain"},
      {"Content-Length", "5"},
      {"Connection", "keep-alive"},
      {"Keep-Alive", "timeout=5"},
      {"Transfer-Encoding", "chunked"},
      {"TE", "trailers"},
      {"Upgrade", "h2c"},
      {"Proxy-Authorization", "Basic x"},
      {"Proxy", "http://evil:8080"},  // httpoxy: never HTTP_PROXY
      {"X_User", "admin"},            // '_' would alias X-User: dropped
      {"X-Nul", std::string("a\0b", 3)},
      {"X-Empty", ""},
  };
  const Env env = cgi_environment(r, sample_match(), "id", {});
  CHECK(get(env, "HTTP_X_FORWARDED_FOR") == "1.1.1.1");
  CHECK(get(env, "HTTP_ACCEPT") == "text/html, application/json");
  CHECK(get(env, "HTTP_COOKIE") == "a=1; b=2, c");
  CHECK(get(env, "HTTP_AUTHORIZATION") == "Bearer t");
  CHECK(get(env, "HTTP_X_EMPTY") == "");
  CHECK(get(env, "CONTENT_TYPE") == "text/plain");
  CHECK(get(env, "CONTENT_LENGTH") == "7");
  for (const char* absent :
       {"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_CONNECTION", "HTTP_KEEP_ALIVE",
        "HTTP_TRANSFER_ENCODING", "HTTP_TE", "HTTP_UPGRADE", "HTTP_PROXY_AUTHORIZATION",
        "HTTP_PROXY", "HTTP_X_USER", "HTTP_X_NUL", "HTTP_HOST"})
    CHECK_MESSAGE(get(env, absent) == "(unset)", absent);
  // HTTP_ variables keep the order in which their names first appeared.
  std::vector<std::string> http;
  for (const auto& [k, v] : env)
    if (k.starts_with("HTTP_")) http.push_back(k);
  CHECK(http == std::vector<std::string>{"HTTP_X_FORWARDED_FOR", "HTTP_ACCEPT", "HTTP_COOKIE",
                                         "HTTP_AUTHORIZATION", "HTTP_X_EMPTY"});
}

TEST_CASE("wagi: CONTENT_TYPE is empty without the header, repeated ones are joined") {
  Request r = sample_request();
  r.headers = {};
  CHECK(get(cgi_environment(r, sample_match(), "id", {}), "CONTENT_TYPE") == "");
  r.headers = {{"Content-Type", "a/b"}, {"content-type", "c/d"}};
  CHECK(get(cgi_environment(r, sample_match(), "id", {}), "CONTENT_TYPE") == "a/b, c/d");
}

TEST_CASE("wagi: the server's variables win over the component's, the component's over headers") {
  Request r = sample_request();
  r.headers.emplace_back("X-Tenant", "from-client");
  const Env env = cgi_environment(r, sample_match(), "id",
                                  {{"REQUEST_METHOD", "DELETE"},
                                   {"X_REQUEST_ID", "forged"},
                                   {"HTTP_X_TENANT", "configured"},
                                   {"request_method", "lower"}});
  CHECK(get(env, "REQUEST_METHOD") == "POST");
  CHECK(get(env, "X_REQUEST_ID") == "id");
  CHECK(get(env, "HTTP_X_TENANT") == "configured");
  CHECK(get(env, "request_method") == "lower");  // environment names are case-sensitive
  std::set<std::string> names;
  for (const auto& [k, v] : env) CHECK_MESSAGE(names.insert(k).second, (k + " occurs twice"));
}

TEST_CASE("wagi: an IPv6 server name is bracketed in SERVER_NAME and X_FULL_URL") {
  Request r = sample_request();
  r.target = "/api/x";
  r.server_name = "::1";
  r.server_port = 3000;
  Env env = cgi_environment(r, sample_match(), "id", {});
  CHECK(get(env, "SERVER_NAME") == "[::1]");
  CHECK(get(env, "X_FULL_URL") == "http://[::1]:3000/api/x");
  r.server_name = "[::1]";  // already bracketed: kept
  env = cgi_environment(r, sample_match(), "id", {});
  CHECK(get(env, "SERVER_NAME") == "[::1]");
  r.target = "http://example.org/api/x?q";  // absolute-form target: already the full URL
  env = cgi_environment(r, sample_match(), "id", {});
  CHECK(get(env, "X_FULL_URL") == "http://example.org/api/x?q");
  CHECK(get(env, "QUERY_STRING") == "q");
}

// --- parse_cgi_response -------------------------------------------------------------------

Response parse_ok(std::string_view output) {
  auto r = parse_cgi_response(output);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r).value();
}

std::string parse_error(std::string_view output) {
  auto r = parse_cgi_response(output);
  REQUIRE_FALSE(r.ok());
  return r.error().message();
}

using Headers = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("wagi: a CGI response with LF or CRLF line ends") {
  Response r = parse_ok("Content-Type: text/plain\n\nhello\n");
  CHECK(r.status == 200);
  CHECK(r.reason == "");
  CHECK(r.headers == Headers{{"Content-Type", "text/plain"}});
  CHECK(r.body == "hello\n");

  r = parse_ok("Content-Type: text/html\r\nX-A:  spaced value \t\r\n\r\nline1\r\n\r\nline2");
  CHECK(r.headers == Headers{{"Content-Type", "text/html"}, {"X-A", "spaced value"}});
  CHECK(r.body == "line1\r\n\r\nline2");  // the body is never touched

  r = parse_ok("X-Empty:\n\n");
  CHECK(r.headers == Headers{{"X-Empty", ""}});
  CHECK(r.body == "");
}

TEST_CASE("wagi: the header block may end with the output") {
  Response r = parse_ok("Status: 204\n");
  CHECK(r.status == 204);
  CHECK(r.body == "");
  r = parse_ok("Content-Type: text/plain");
  CHECK(r.headers == Headers{{"Content-Type", "text/plain"}});
}

TEST_CASE("wagi: Status sets the status and reason and is not passed on") {
  Response r = parse_ok("Status: 404 Not Found\nContent-Type: text/plain\n\nnope");
  CHECK(r.status == 404);
  CHECK(r.reason == "Not Found");
  CHECK(r.headers == Headers{{"Content-Type", "text/plain"}});
  r = parse_ok("status:  418   I'm a teapot  \n\n");
  CHECK(r.status == 418);
  CHECK(r.reason == "I'm a teapot");
  r = parse_ok("Status: 503\n\n");
  CHECK(r.status == 503);
  CHECK(r.reason == "");
}

TEST_CASE("wagi: Location without Status is a 302, with Status it keeps the status") {
  Response r = parse_ok("Location: https://example.com/\n\n");
  CHECK(r.status == 302);
  CHECK(r.headers == Headers{{"Location", "https://example.com/"}});
  r = parse_ok("Location: /new\nStatus: 301 Moved Permanently\n\n");
  CHECK(r.status == 301);
  CHECK(r.reason == "Moved Permanently");
  r = parse_ok("Status: 201\nlocation: /items/3\n\n");
  CHECK(r.status == 201);
}

TEST_CASE("wagi: hop-by-hop headers and Content-Length are dropped, the rest kept in order") {
  Response r = parse_ok(
      "Set-Cookie: a=1\nContent-Length: 999\nConnection: close\nTransfer-Encoding: chunked\n"
      "Keep-Alive: timeout=1\nUpgrade: websocket\nTrailer: X\nTE: trailers\nProxy-Connection: "
      "close\n"
      "Set-Cookie: b=2\nCache-Control: no-store\n\nbody");
  CHECK(r.headers ==
        Headers{{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"Cache-Control", "no-store"}});
  CHECK(r.body == "body");
}

TEST_CASE("wagi: output that is not a CGI response is an error naming the line") {
  CHECK(parse_error("").find("nothing") != std::string::npos);
  CHECK(parse_error("hello world\n").find("line 1") != std::string::npos);
  CHECK(parse_error("\nbody without headers").find("line 1") != std::string::npos);
  CHECK(parse_error("A: b\nC: d\nthis is not a header\n\nbody").find("line 3") !=
        std::string::npos);
  CHECK(parse_error("A: b\n  folded continuation\n\n").find("line 2") != std::string::npos);
  CHECK(parse_error("Bad Name: x\n\n").find("line 1") != std::string::npos);
  CHECK(parse_error(": no name\n\n").find("line 1") != std::string::npos);
  CHECK(parse_error("X: a\rb\n\n").find("control character") != std::string::npos);
  CHECK(parse_error(std::string("X: a\0b\n\n", 9)).find("line 1") != std::string::npos);
  // The quoted line cannot break a log line.
  CHECK(parse_error("oops\x01\x1b[31m\n\n").find("'oops\\x01\\x1b[31m'") != std::string::npos);
  // A long line is quoted short.
  const std::string message = parse_error(std::string(1000, 'x') + "\n\n");
  CHECK(message.size() < 300);
  CHECK(message.find("...'") != std::string::npos);
}

TEST_CASE("wagi: a Status outside 200-599, malformed or given twice is an error") {
  for (const char* bad :
       {"Status: 600\n\n", "Status: 199\n\n", "Status: 100 Continue\n\n", "Status: 101\n\n",
        "Status: 099\n\n", "Status: abc\n\n", "Status: 2000\n\n", "Status: 20\n\n", "Status:\n\n",
        "Status: 404Not Found\n\n"})
    CHECK_MESSAGE(!parse_cgi_response(bad).ok(), bad);
  const std::string twice = parse_error("Status: 200\nX: y\nStatus: 404\n\n");
  CHECK(twice.find("line 3") != std::string::npos);
  CHECK(twice.find("line 1") != std::string::npos);
  CHECK(parse_ok("Status: 200\n\n").status == 200);
  CHECK(parse_ok("Status: 599\n\n").status == 599);
}

TEST_CASE("wagi: at most 100 header lines and 64 KiB of headers") {
  std::string lines;
  for (size_t i = 0; i < kMaxCgiHeaderLines; ++i) lines += "X-H" + std::to_string(i) + ": v\n";
  CHECK(parse_ok(lines + "\nbody").headers.size() == kMaxCgiHeaderLines);
  CHECK(parse_error(lines + "X-One-More: v\n\nbody").find("100") != std::string::npos);

  const std::string big_value(kMaxCgiHeaderBytes - 100, 'v');
  CHECK(parse_ok("X-Big: " + big_value + "\n\n").headers.size() == 1);
  CHECK(parse_error("X-Big: " + big_value + "\nX-More: " + std::string(200, 'v') + "\n\n")
            .find("64 KiB") != std::string::npos);
  // A guest that forgets the header block altogether and prints a large body.
  CHECK_FALSE(parse_cgi_response(std::string(kMaxCgiHeaderBytes * 2, 'x')).ok());
  // The body has no such limit.
  const std::string body(4 * kMaxCgiHeaderBytes, 'b');
  CHECK(parse_ok("Content-Type: text/plain\n\n" + body).body == body);
}

// --- reason_phrase and percent_decode_path --------------------------------------------------

TEST_CASE("wagi: reason phrases for common codes, empty for unknown ones") {
  CHECK(reason_phrase(200) == "OK");
  CHECK(reason_phrase(302) == "Found");
  CHECK(reason_phrase(304) == "Not Modified");
  CHECK(reason_phrase(404) == "Not Found");
  CHECK(reason_phrase(405) == "Method Not Allowed");
  CHECK(reason_phrase(500) == "Internal Server Error");
  CHECK(reason_phrase(504) == "Gateway Timeout");
  CHECK(reason_phrase(299) == "");
  CHECK(reason_phrase(0) == "");
}

TEST_CASE("wagi: percent-decoding a path") {
  CHECK(*percent_decode_path("/a%20b") == "/a b");
  CHECK(*percent_decode_path("/a%2Fb%2fc") == "/a/b/c");
  CHECK(*percent_decode_path("/a+b") == "/a+b");  // '+' is a space only in forms
  CHECK(*percent_decode_path("/%41%62%e2%82%ac") == "/Ab\xe2\x82\xac");
  CHECK(*percent_decode_path("") == "");
  CHECK(*percent_decode_path("/plain/path") == "/plain/path");
  for (const char* bad : {"/a%", "/a%2", "/a%zz", "/a%2g", "%%41"})
    CHECK_MESSAGE(!percent_decode_path(bad).ok(), bad);
  CHECK_FALSE(percent_decode_path("/a%00b").ok());
  CHECK_FALSE(percent_decode_path(std::string_view("/a\0b", 4)).ok());
}

}  // namespace
}  // namespace edgectl::http
