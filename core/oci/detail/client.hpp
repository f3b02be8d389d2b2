#pragma once
// An HTTP client for one registry, on libcurl (a well-kept HTTP/TLS stack; one easy handle,
// so the connection is reused across a push's requests). It adds what the distribution
// API needs on top of plain requests:
//   - scheme: https, verified (--ca-file); plain http only for localhost/127.0.0.0/8/::1
//     (tried first there, TLS when the registry asks for it) or with --insecure (after the
//     TLS handshake fails);
//   - auth: a 401's WWW-Authenticate decides: Basic (credentials sent from then on) or
//     Bearer (a token from the realm, with Basic credentials when there are any, cached per
//     scope, fetched again when it expires or when the registry refuses it mid-push);
//   - retries: 429, 5xx and connection errors are retried with exponential backoff (0.5 s,
//     1 s, 2 s, ...), waiting what Retry-After says when the registry says (capped at 30 s).
// Secrets never appear in messages: errors name the host, the method and the path only.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "oci/oci.hpp"

namespace edgectl::oci::detail {

struct Request {
  std::string method = "GET";
  std::string target;                // "/v2/..." on the registry, or an absolute URL (upload Locations)
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // sent for PUT, PATCH and POST (must outlive send())
  std::string scope;                 // token scope, e.g. "repository:acme/hello:pull,push"
  // Streams a 2xx body (blob downloads); return false to stop. Without it the body is kept
  // in Response::body, up to max_body bytes (more is an error).
  std::function<bool(std::string_view)> on_data;
  std::function<void()> on_restart;       // about to send again: forget what on_data got
  std::function<void(uint64_t)> on_sent;  // upload progress: body bytes sent so far
  size_t max_body = 4u << 20;
  bool follow_redirects = false;  // blob GETs: registries redirect to object storage
  // Transient failures (429, 5xx, connection) are retried here. False: the caller retries
  // at a higher level, e.g. an upload session, where a registry appends whatever part of a
  // failed PATCH it received, so the chunk cannot simply be sent again.
  bool retry = true;
};

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string url;  // the URL that answered
  std::string header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class Client {
 public:
  // `registry` names credentials (e.g. "docker.io"); requests go to `api_host`.
  Client(std::string registry, std::string api_host, bool plain_http_allowed, TransportOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends with auth and retries. Any HTTP status is a Response; Error: the registry cannot
  // be reached (after the retries), TLS failed, or the credentials were refused.
  Result<Response> send(const Request& request);

  // `location` (absolute or relative, from a Location header) against the URL `base`.
  static std::string resolve(const std::string& base, const std::string& location);
  // `url` with `key=value` appended to its query (value URL-encoded).
  static std::string with_query(const std::string& url, const std::string& key, const std::string& value);

  const std::string& host() const { return host_; }
  // Total retries made so far (for reports and tests).
  int retries_made() const { return retries_made_; }

 private:
  struct Raw;
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  Result<Response> send_once(const Request& request, const std::string& authorization, int& curl_code,
                             std::string& curl_message);
  Result<Response> send_with_retries(const Request& request, bool authenticate);
  void probe_scheme();  // a local registry: plain HTTP, or does it want TLS?
  std::string authorization_for(const std::string& scope);
  Status authenticate(const Response& challenge, const std::string& scope, bool had_token);
  Result<std::optional<Credentials>> credentials();
  void notice(const std::string& line) const;

  std::string registry_, host_;
  bool plain_http_allowed_;
  TransportOptions options_;
  std::string scheme_ = "https";
  bool scheme_known_ = false;
  std::unique_ptr<Raw> raw_;
  bool credentials_looked_up_ = false;
  std::optional<Credentials> credentials_;
  std::string basic_;  // "Basic ..." once the registry asked for Basic
  std::string realm_, service_;  // once the registry asked for Bearer
  std::map<std::string, Token> tokens_;  // per scope
  int retries_made_ = 0;
};

// Whether an answer is worth another try (429, 5xx), and how long the registry asked us
// to wait (Retry-After; nullopt when it did not say).
bool transient(const Response& response);
std::optional<double> retry_after(const Response& response);

// The registry's answer in plain words: "no such tag or digest (HTTP 404 MANIFEST_UNKNOWN:
// manifest unknown)". Uses the distribution spec's {"errors":[{"code","message"}]} body.
std::string describe(const Response& response);

// An Error for `what` ("pushing the manifest") with the registry's answer and location.
Error registry_error(const std::string& what, const Response& response, const std::string& reference);

}  // namespace edgectl::oci::detail
