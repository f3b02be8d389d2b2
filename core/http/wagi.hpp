#pragma once
// The WAGI side of the guest contract (docs/contract.md, "HTTP"): how a request becomes a
// guest's CGI/1.1 environment, and how the guest's stdout becomes a response. Plain std
// types, no Boost, so the rules are unit-tested without a socket and the server's Beast
// code only copies fields in and out.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace edgectl::http {

struct Request {
  std::string method;  // "GET"
  std::string target;  // raw request-target: "/api/items?id=3" (path + optional query)
  std::string version = "HTTP/1.1";
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;
  std::string remote_addr;   // the client's address: "127.0.0.1", "::1" (never IPv4-mapped)
  uint16_t remote_port = 0;  // the client's port; 0 when there is no client (benchmarks)
  // From the Host header without port, else the listen address. An IPv6 literal may be
  // given bare ("::1") or bracketed ("[::1]"); the environment always brackets it.
  std::string server_name;
  uint16_t server_port = 0;
};

struct RouteMatch {
  std::string route;          // the route as written in the manifest: "/api/..." or "/hello"
  std::string script_name;    // the route prefix: "/api" ("" for "/..."); exact: the path itself
  std::string path_info;      // the percent-decoded path below the prefix: "/items" ("" if exact)
  std::string raw_path_info;  // the same, not decoded
};

// The CGI/1.1 environment of docs/contract.md, in a stable order: the component's env first,
// then REQUEST_METHOD, SCRIPT_NAME, PATH_INFO, PATH_TRANSLATED, QUERY_STRING, REQUEST_URI,
// SERVER_NAME, SERVER_PORT, SERVER_PROTOCOL, SERVER_SOFTWARE, GATEWAY_INTERFACE, REMOTE_ADDR,
// REMOTE_HOST, REMOTE_PORT, REMOTE_USER, AUTH_TYPE, CONTENT_TYPE, CONTENT_LENGTH, one
// HTTP_<NAME> per request header name, X_FULL_URL, X_MATCHED_ROUTE, X_RAW_PATH_INFO,
// X_REQUEST_ID. Every name occurs once: a component variable that the server sets itself is
// dropped (the request's value wins), and an HTTP_<NAME> that the component sets is dropped (a
// client cannot override configuration). REQUEST_URI and REMOTE_PORT are beyond WAGI (Apache
// and nginx set them; Go's net/http/cgi builds r.URL and r.RemoteAddr from them).
std::vector<std::pair<std::string, std::string>> cgi_environment(
    const Request& request, const RouteMatch& match, std::string_view request_id,
    const std::map<std::string, std::string>& component_env);

// Bounds on a guest's CGI header block: roomy for real responses (a few dozen Set-Cookie
// lines), small enough that output missing its empty line is rejected early, not buffered.
inline constexpr size_t kMaxCgiHeaderLines = 100;
inline constexpr size_t kMaxCgiHeaderBytes = 64 * 1024;

struct Response {
  int status = 200;
  std::string reason;  // empty: the standard reason for `status`
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Parses a guest's stdout as a CGI response: header lines (LF or CRLF), an empty line, the
// body (the header block may also end with the output). "Status: 404 Not Found" sets
// status/reason; "Location:" without Status means 302; other headers pass through in order,
// except hop-by-hop ones (Connection, Transfer-Encoding, ...) and Content-Length, which the
// server sets from the body. An Error (the server answers 500) for: empty output, output that
// does not start with a header line, a malformed header line (named by line number), a Status
// outside 200-599 or given twice, more than kMaxCgiHeaderLines lines or kMaxCgiHeaderBytes.
Result<Response> parse_cgi_response(std::string_view output);

// "Not Found" for 404 etc. (the common ones), "" for unknown codes.
std::string_view reason_phrase(int status);

// Percent-decodes a path ("%20" → " "; '+' stays '+'); Error on a bad escape or a decoded NUL.
Result<std::string> percent_decode_path(std::string_view raw);

}  // namespace edgectl::http
