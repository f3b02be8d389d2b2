// The registry HTTP client (see client.hpp).
#include "oci/detail/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "util/base64.hpp"

namespace edgectl::oci::detail {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// WWW-Authenticate: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
struct Challenge {
  std::string scheme;  // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;
};

Challenge parse_challenge(std::string_view h) {
  Challenge c;
  size_t i = 0;
  while (i < h.size() && h[i] == ' ') ++i;
  size_t start = i;
  while (i < h.size() && h[i] != ' ') ++i;
  c.scheme = lower(std::string(h.substr(start, i - start)));
  while (i < h.size()) {
    while (i < h.size() && (h[i] == ' ' || h[i] == ',')) ++i;
    start = i;
    while (i < h.size() && h[i] != '=' && h[i] != ',') ++i;
    std::string key = lower(trim(h.substr(start, i - start)));
    if (i >= h.size() || h[i] != '=') continue;
    ++i;
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      while (i < h.size() && h[i] != '"') {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value += h[i++];
      }
      ++i;
    } else {
      start = i;
      while (i < h.size() && h[i] != ',') ++i;
      value = trim(h.substr(start, i - start));
    }
    if (!key.empty()) c.params[key] = value;
  }
  return c;
}

bool retryable_curl(int code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool transient(const Response& r) { return r.status == 429 || r.status >= 500; }

// Retry-After: seconds, or an HTTP date. nullopt: absent or unreadable.
std::optional<double> retry_after(const Response& r) {
  const std::string v = r.header("retry-after");
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::stod(v);
  const time_t when = curl_getdate(v.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max(0.0, static_cast<double>(when - std::time(nullptr)));
}

namespace {

const char* plain_words(const std::string& code) {
  static const std::map<std::string, const char*> words = {
      {"UNAUTHORIZED", "authentication required"},
      {"DENIED", "access denied"},
      {"NAME_UNKNOWN", "the repository does not exist on this registry"},
      {"NAME_INVALID", "the registry does not accept this repository name"},
      {"MANIFEST_UNKNOWN", "no such tag or digest"},
      {"MANIFEST_INVALID", "the registry refused the manifest as invalid"},
      {"MANIFEST_BLOB_UNKNOWN", "the manifest names a blob the registry does not have"},
      {"BLOB_UNKNOWN", "the registry does not have this blob"},
      {"BLOB_UPLOAD_INVALID", "the registry refused the upload"},
      {"BLOB_UPLOAD_UNKNOWN", "the upload session is gone (expired or cancelled)"},
      {"DIGEST_INVALID", "the uploaded bytes do not match their digest"},
      {"SIZE_INVALID", "the uploaded size does not match"},
      {"TOOMANYREQUESTS", "the registry is rate-limiting us"},
      {"UNSUPPORTED", "the registry does not support this (operation or media type)"},
  };
  auto it = words.find(code);
  return it == words.end() ? nullptr : it->second;
}

std::string status_words(long status) {
  switch (status) {
    case 401: return "authentication required";
    case 403: return "access denied";
    case 404: return "not found";
    case 405: return "the registry does not allow this operation";
    case 413: return "too large for the registry";
    case 429: return "the registry is rate-limiting us";
    default: return status >= 500 ? "the registry failed" : "unexpected answer";
  }
}

// Whether `url`'s host[:port] is `host` (as the registry was named: "ghcr.io", "127.0.0.1:5000").
bool same_host(const std::string& url, const std::string& host) {
  CURLU* u = curl_url();
  std::string found;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* h = nullptr;
    char* p = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
      found = h;
      curl_free(h);
    }
    if (curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK) {
      found += std::string(":") + p;
      curl_free(p);
    }
  }
  curl_url_cleanup(u);
  return lower(found) == lower(host);
}

}  // namespace

struct Client::Raw {
  CURL* curl = nullptr;
  Raw() {
    global_init();
    curl = curl_easy_init();
  }
  ~Raw() {
    if (curl) curl_easy_cleanup(curl);
  }
};

Client::Client(std::string registry, std::string api_host, bool plain_http_allowed, TransportOptions options)
    : registry_(std::move(registry)),
      host_(std::move(api_host)),
      plain_http_allowed_(plain_http_allowed || options.insecure),
      options_(std::move(options)),
      raw_(std::make_unique<Raw>()) {
  // A registry on this machine is tried over plain HTTP first (the traffic does not leave
  // the host, and setting up TLS costs tens of milliseconds, most of a re-push); one that
  // answers "use HTTPS" (Go's and nginx's TLS servers do) or hangs up is tried over TLS.
  // No credentials go with the first request: they are sent only after a challenge.
  if (Reference{host_, "", "", ""}.plain_http_allowed()) scheme_ = "http";
  if (options_.credentials) {
    credentials_ = options_.credentials;
    credentials_looked_up_ = true;
  }
}

Client::~Client() = default;

void Client::notice(const std::string& line) const {
  if (options_.on_notice) options_.on_notice(line);
}

std::string Client::resolve(const std::string& base, const std::string& location) {
  CURLU* u = curl_url();
  std::string out = location;
  if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK) {
    char* s = nullptr;
    if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
      out = s;
      curl_free(s);
    }
  }
  curl_url_cleanup(u);
  return out;
}

std::string Client::with_query(const std::string& url, const std::string& key, const std::string& value) {
  CURLU* u = curl_url();
  std::string out = url;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    const std::string kv = key + "=" + value;
    if (curl_url_set(u, CURLUPART_QUERY, kv.c_str(), CURLU_APPENDQUERY | CURLU_URLENCODE) == CURLUE_OK) {
      char* s = nullptr;
      if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
        out = s;
        curl_free(s);
      }
    }
  }
  curl_url_cleanup(u);
  return out;
}

Result<std::optional<Credentials>> Client::credentials() {
  if (!credentials_looked_up_) {
    auto c = find_credentials(registry_);
    if (!c) return std::move(c).error();
    credentials_ = *c;
    credentials_looked_up_ = true;
  }
  return credentials_;
}

namespace {

struct Transfer {
  const Request* request = nullptr;
  Response* response = nullptr;
  size_t sent = 0;
  long status = 0;
  bool aborted = false;     // on_data said stop
  bool too_large = false;   // over max_body
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a redirect or a 100): forget the previous one's headers.
    t->response->headers.clear();
    const size_t sp = line.find(' ');
    t->status = sp == std::string_view::npos ? 0 : std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->response->headers[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view chunk(data, size * n);
  if (t->request->on_data && t->status >= 200 && t->status < 300) {
    if (!t->request->on_data(chunk)) {
      t->aborted = true;
      return 0;
    }
    return chunk.size();
  }
  if (t->response->body.size() + chunk.size() > t->request->max_body) {
    t->too_large = true;
    return 0;
  }
  t->response->body.append(chunk);
  return chunk.size();
}

size_t on_read(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view body = t->request->body;
  const size_t len = std::min(size * n, body.size() - t->sent);
  std::memcpy(buffer, body.data() + t->sent, len);
  t->sent += len;
  return len;
}

int on_seek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > t->request->body.size()) return CURL_SEEKFUNC_FAIL;
  t->sent = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->on_sent && ulnow > 0) t->request->on_sent(static_cast<uint64_t>(ulnow));
  return 0;
}

}  // namespace

Result<Response> Client::send_once(const Request& req, const std::string& authorization, int& curl_code,
                                   std::string& curl_message) {
  CURL* c = raw_->curl;
  if (!c) return Error("cannot start libcurl");
  curl_easy_reset(c);  // keeps the open connection
  Response response;
  Transfer t{&req, &response};
  const std::string url = req.target.rfind("/", 0) == 0 ? scheme_ + "://" + host_ + req.target : req.target;

  curl_slist* headers = nullptr;
  for (const auto& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  // Credentials go only to the registry itself: an absolute upload Location may name
  // another host (object storage), which gets none.
  if (!authorization.empty() && same_host(url, host_))
    headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "edgectl/" EDGECTL_VERSION);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  // No overall limit (a 50 MB blob on a slow link is fine), but a stalled transfer ends.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, plain_http_allowed_ ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, plain_http_allowed_ ? "http,https" : "https");
  if (req.follow_redirects) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  }
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (options_.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT" || req.method == "PATCH" || req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &t);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (req.on_sent) {
      curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
      curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    }
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  static const bool trace = std::getenv("EDGECTL_TRACE_HTTP") != nullptr;
  const auto started = Clock::now();
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (trace) {
    // Method, URL (no credentials are ever in our URLs), status, time: for debugging registries.
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    std::fprintf(stderr, "http: %s %s -> %s (%.1f ms)\n", req.method.c_str(), url.c_str(),
                 rc == CURLE_OK ? std::to_string(code).c_str() : curl_easy_strerror(rc),
                 std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  }
  curl_code = rc;
  if (rc != CURLE_OK) {
    if (t.too_large)
      return Error(req.method + " " + url + ": the answer is larger than " + std::to_string(req.max_body) + " bytes");
    if (t.aborted) {
      curl_code = CURLE_OK;
      return Error("");  // the caller's on_data stopped it and knows why
    }
    curl_message = curl_easy_strerror(rc);
    return Error(curl_message);
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  char* effective = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
  response.url = effective ? effective : url;
  return response;
}

std::string Client::authorization_for(const std::string& scope) {
  if (!realm_.empty()) {
    auto it = tokens_.find(scope);
    if (it != tokens_.end() && Clock::now() < it->second.expires) return "Bearer " + it->second.value;
    return "";
  }
  return basic_;
}

Status Client::authenticate(const Response& challenge_response, const std::string& scope, bool had_token) {
  const Challenge ch = parse_challenge(challenge_response.header("www-authenticate"));
  auto creds = credentials();
  if (!creds) return std::move(creds).error();
  const std::string login_hint = "run `edgectl login " + registry_ + "`, or set EDGECTL_REGISTRY_USER and EDGECTL_REGISTRY_PASSWORD";
  if (ch.scheme == "basic") {
    if (!*creds || (*creds)->username == "<token>")
      return Error(registry_ + " asks for a user name and password and none is configured").note(login_hint);
    if (!basic_.empty())
      return Error(registry_ + " refused the credentials of user '" + (*creds)->username + "'").note(login_hint);
    basic_ = "Basic " + base64_encode((*creds)->username + ":" + (*creds)->password);
    return {};
  }
  if (ch.scheme != "bearer" || !ch.params.count("realm"))
    return Error(registry_ + " asks for authentication this client does not speak ('" + ch.scheme + "')");
  realm_ = ch.params.at("realm");
  service_ = ch.params.count("service") ? ch.params.at("service") : "";
  std::string want_scope = scope.empty() && ch.params.count("scope") ? ch.params.at("scope") : scope;
  if (had_token) {
    // The registry refused a token we hold: expired or revoked mid-push. One fresh try.
    if (ch.params.count("error") && ch.params.at("error") == "insufficient_scope")
      return Error(registry_ + ": the token does not grant " + want_scope + " (access denied)").note(login_hint);
  }
  tokens_.erase(scope);

  // The token endpoint: realm?service=…&scope=…, with Basic credentials when we have them.
  std::string url = realm_;
  if (url.rfind("https://", 0) != 0) {
    if (url.rfind("http://", 0) != 0) return Error(registry_ + ": the token realm '" + realm_ + "' is not a URL");
    CURLU* u = curl_url();
    char* host = nullptr;
    std::string realm_host;
    if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
      realm_host = host;
      curl_free(host);
    }
    curl_url_cleanup(u);
    Reference probe;
    probe.registry = realm_host;
    if (!probe.plain_http_allowed() && !options_.insecure)
      return Error(registry_ + ": the token service " + realm_ + " is plain HTTP; refusing to send credentials there")
          .note("use --insecure only for a registry you trust on a network you trust");
  }
  if (!service_.empty()) url = with_query(url, "service", service_);
  if (!want_scope.empty()) url = with_query(url, "scope", want_scope);
  Request token_req;
  token_req.target = url;
  if (*creds && (*creds)->username != "<token>")
    token_req.headers.push_back("Authorization: Basic " + base64_encode((*creds)->username + ":" + (*creds)->password));
  auto r = send_with_retries(token_req, /*authenticate=*/false);
  if (!r) return std::move(r).error();
  if (r->status == 401 || r->status == 403) {
    if (*creds) return Error(registry_ + "'s token service refused the credentials of user '" + (*creds)->username + "'").note(login_hint);
    return Error(registry_ + " requires a login for " + (want_scope.empty() ? "this" : want_scope)).note(login_hint);
  }
  if (r->status != 200) return registry_error("getting a token from " + registry_ + "'s token service", *r, registry_);
  Json j = Json::parse(r->body, nullptr, false);
  std::string token;
  if (j.is_object()) {
    if (j.contains("token") && j["token"].is_string()) token = j["token"].get<std::string>();
    if (token.empty() && j.contains("access_token") && j["access_token"].is_string())
      token = j["access_token"].get<std::string>();
  }
  if (token.empty()) return Error(registry_ + "'s token service answered without a token");
  int expires_in = 60;  // the token spec's default
  if (j.contains("expires_in") && j["expires_in"].is_number_integer()) expires_in = std::max(1, j["expires_in"].get<int>());
  // Renew a little early so a request does not race the expiry (but not for tiny lifetimes).
  const auto margin = std::chrono::milliseconds(std::min(10000, expires_in * 100));
  tokens_[scope] = Token{token, Clock::now() + std::chrono::seconds(expires_in) - margin};
  return {};
}

void Client::probe_scheme() {
  // GET /v2/ (the API's version check) over plain HTTP: any answer but Go's and nginx's
  // "this is an HTTPS port" 400 settles it; a hang-up or that 400 means TLS. Connection
  // errors are left to the real request, which retries them.
  Request probe;
  probe.target = "/v2/";
  probe.max_body = 64u << 10;
  int code = 0;
  std::string message;
  auto r = send_once(probe, "", code, message);
  if (!r) {
    if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR) {
      scheme_ = "https";
      scheme_known_ = true;
    }
    return;
  }
  if (r->status == 400 && r->body.find("HTTPS") != std::string::npos) scheme_ = "https";
  scheme_known_ = true;
}

Result<Response> Client::send_with_retries(const Request& req, bool authenticate_requests) {
  if (!scheme_known_ && scheme_ == "http" && req.target.rfind("/", 0) == 0) probe_scheme();
  double backoff = 0.5;
  int attempt = 0;
  int auth_rounds = 0;
  while (true) {
    std::string authorization = authenticate_requests ? authorization_for(req.scope) : "";
    if (authenticate_requests && authorization.empty() && !realm_.empty()) {
      // Known to use tokens and none valid for this scope (expired): get one first.
      Response synthetic;
      synthetic.headers["www-authenticate"] = "Bearer realm=\"" + realm_ + "\",service=\"" + service_ + "\"";
      if (auto s = authenticate(synthetic, req.scope, false); !s) return std::move(s).error();
      authorization = authorization_for(req.scope);
    }
    int code = 0;
    std::string message;
    auto r = send_once(req, authorization, code, message);
    if (!r) {
      if (code == CURLE_OK) return std::move(r).error();  // aborted by on_data, or too large
      const bool tls_refused = code == CURLE_SSL_CONNECT_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING;
      if (!scheme_known_ && scheme_ == "http" && req.target.rfind("/", 0) == 0 && tls_refused) {
        // A local registry that closed on a plain HTTP request: try TLS.
        scheme_ = "https";
        scheme_known_ = true;
        if (req.on_restart) req.on_restart();
        continue;
      }
      if (!scheme_known_ && scheme_ == "https" && req.target.rfind("/", 0) == 0 && plain_http_allowed_ && tls_refused) {
        scheme_ = "http";
        // Expected of a local registry; worth a line when --insecure allowed it elsewhere.
        if (!Reference{host_, "", "", ""}.plain_http_allowed())
          notice(host_ + " does not speak TLS; using plain HTTP (--insecure)");
        if (req.on_restart) req.on_restart();
        continue;
      }
      if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE)
        return Error("TLS: cannot verify " + host_ + "'s certificate: " + message)
            .note("pass the registry's CA with --ca-file FILE (or --insecure for a registry you trust)");
      if (retryable_curl(code) && req.retry && attempt < options_.retries) {
        ++attempt;
        ++retries_made_;
        notice("cannot reach " + host_ + " (" + message + "); retry " + std::to_string(attempt) + " of " +
               std::to_string(options_.retries) + " in " + std::to_string(backoff).substr(0, 3) + " s");
        std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
        backoff *= 2;
        if (req.on_restart) req.on_restart();
        continue;
      }
      const std::string tries = attempt > 0 ? " (gave up after " + std::to_string(attempt + 1) + " attempts)" : std::string();
      if (code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING)
        return Error(host_ + " dropped the connection during " + req.method + " (" + message + ")" + tries);
      return Error("cannot reach " + host_ + ": " + message + tries);
    }
    if (req.target.rfind("/", 0) == 0) scheme_known_ = true;
    if (r->status == 401 && authenticate_requests && auth_rounds < 2) {
      ++auth_rounds;
      if (auto s = authenticate(*r, req.scope, authorization.rfind("Bearer ", 0) == 0); !s) return std::move(s).error();
      if (req.on_restart) req.on_restart();
      continue;
    }
    if (transient(*r) && req.retry && attempt < options_.retries) {
      ++attempt;
      ++retries_made_;
      double wait = backoff;
      if (auto after = retry_after(*r)) wait = std::min(30.0, *after);
      notice(host_ + " answered " + std::to_string(r->status) + " to " + req.method + "; retry " + std::to_string(attempt) +
             " of " + std::to_string(options_.retries) + " in " + std::to_string(wait).substr(0, 3) + " s");
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      backoff *= 2;
      if (req.on_restart) req.on_restart();
      continue;
    }
    return r;
  }
}

Result<Response> Client::send(const Request& request) { return send_with_retries(request, true); }

std::string describe(const Response& r) {
  std::string code, message;
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() && j["errors"][0].is_object()) {
    const Json& e = j["errors"][0];
    code = e.value("code", "");
    message = e.value("message", "");
    if (e.contains("detail") && !e["detail"].is_null()) {
      const std::string detail = e["detail"].is_string() ? e["detail"].get<std::string>() : e["detail"].dump();
      if (!detail.empty() && detail.size() < 300) message += (message.empty() ? "" : ": ") + detail;
    }
  }
  const char* words = plain_words(code);
  std::string out = words ? words : status_words(r.status);
  out += " (HTTP " + std::to_string(r.status);
  if (!code.empty()) out += " " + code;
  if (!message.empty()) out += ": " + message;
  out += ")";
  return out;
}

Error registry_error(const std::string& what, const Response& r, const std::string& reference) {
  // The location shows the status and code; the message says it in words, with the
  // registry's own message.
  std::string code, message;
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() && j["errors"][0].is_object()) {
    code = j["errors"][0].value("code", "");
    message = j["errors"][0].value("message", "");
  }
  const char* words = plain_words(code);
  std::string text = what + ": " + (words ? words : status_words(r.status));
  if (!message.empty()) text += " (the registry says: " + message + ")";
  return Error(text, RegistryLocation{reference, static_cast<int>(r.status), code});
}

}  // namespace edgectl::oci::detail
