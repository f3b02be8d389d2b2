// Outbound HTTP for guests (host.hpp): deny by default, allowed hosts from the component's
// allowed_outbound_hosts (Spin's patterns), libcurl for the request (a well-kept client:
// TLS verified with the system's CAs, redirects not followed so the allow-list cannot be
// walked around), a time limit (the smaller of the service's and what is left of the
// instance's) and a response size limit. A refused host is Denied for the guest and a log
// line for the user.
#include <curl/curl.h>

#include <cctype>

#include "runtime/host/detail/guest.hpp"
#include "runtime/host/host.hpp"

namespace edgectl::runtime::host {

struct HttpResponse {
  uint32_t status = 0;
  std::string headers;  // "name: value\n" lines, names lowercase
  std::string body;
};

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

uint16_t default_port(std::string_view scheme) { return scheme == "http" ? 80 : 443; }

bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern == "*") return true;
  if (pattern.rfind("*.", 0) == 0) {
    const std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return pattern == host;
}

struct Collect {
  HttpResponse* r;
  size_t max;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collect*>(user);
  if (c->r->body.size() + size * n > c->max) {
    c->too_large = true;
    return 0;
  }
  c->r->body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collect*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    c->r->headers.clear();
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  c->r->headers += lower(line.substr(0, colon)) + ": " + std::string(value) + "\n";
  return size * n;
}

}  // namespace

std::optional<HostPattern> parse_host_pattern(std::string_view text, std::string* why) {
  auto bad = [&](const std::string& reason) {
    if (why) *why = reason;
    return std::optional<HostPattern>();
  };
  HostPattern p;
  p.text = std::string(text);
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return bad("expected SCHEME://HOST[:PORT], e.g. https://api.example.com");
  p.scheme = lower(text.substr(0, sep));
  if (p.scheme != "http" && p.scheme != "https" && p.scheme != "*") return bad("the scheme must be http, https or *");
  std::string_view rest = text.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return bad("a host pattern has no path");
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    p.port = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (p.port != "*" && (p.port.empty() || p.port.size() > 5 ||
                          p.port.find_first_not_of("0123456789") != std::string::npos || std::stoi(p.port) > 65535))
      return bad("the port must be a number or *");
  }
  p.host = lower(rest);
  if (p.host.empty()) return bad("the host is missing");
  if (p.host != "*" && p.host.find('*') != std::string::npos && !(p.host.rfind("*.", 0) == 0 && p.host.find('*', 1) == std::string::npos))
    return bad("'*' may only be the whole host or its first label (*.example.com)");
  return p;
}

bool allows(const std::vector<HostPattern>& patterns, std::string_view scheme, std::string_view host, uint16_t port) {
  const std::string h = lower(host);
  for (const auto& p : patterns) {
    if (p.scheme != "*" && p.scheme != scheme) continue;
    if (!host_matches(p.host, h)) continue;
    if (p.port == "*") return true;
    const uint16_t want = p.port.empty() ? default_port(p.scheme == "*" ? scheme : p.scheme)
                                         : static_cast<uint16_t>(std::stoi(p.port));
    if (want == port) return true;
  }
  return false;
}

namespace detail {

namespace {
Result<std::shared_ptr<HttpResponse>> response_handle(Session& s, uint64_t h) {
  if (h == 0 || h > s.responses.size() || !s.responses[h - 1]) return Error("bad handle");
  return s.responses[h - 1];
}
uint32_t code(Code c) { return static_cast<uint32_t>(c); }
void host_log(Session& s, LogLevel level, const std::string& message) {
  s.services->log({level, s.grants ? s.grants->component : "", s.request_id, message, true});
}
}  // namespace

// http_request(method, method_len, url, url_len, headers, headers_len, body, body_len,
// handle_out): headers are "Name: value" lines separated by '\n'.
uint32_t http_request(Session& s, Guest& g, const uint64_t* a) {
  const std::string method(g.bytes(a[0], a[1]));
  const std::string url(g.bytes(a[2], a[3]));
  const std::string_view headers = g.bytes(a[4], a[5]);
  const std::string_view body = g.bytes(a[6], a[7]);
  g.check(a[8], 4);
  if (method.empty() || method.size() > 16 ||
      method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
    return code(Code::Invalid);
  // At most 64 open responses; closed ones free their slot.
  size_t slot = s.responses.size();
  for (size_t i = 0; i < s.responses.size(); ++i)
    if (!s.responses[i]) {
      slot = i;
      break;
    }
  if (slot >= 64) return code(Code::TooMany);

  // Where to: scheme, host and port, read the way curl will read them.
  CURLU* u = curl_url();
  std::string scheme, host;
  uint16_t port = 0;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* part = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) scheme = lower(part), curl_free(part);
    if (curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) host = part, curl_free(part);
    if (curl_url_get(u, CURLUPART_PORT, &part, CURLU_DEFAULT_PORT) == CURLUE_OK) port = static_cast<uint16_t>(std::atoi(part)), curl_free(part);
  }
  curl_url_cleanup(u);
  if ((scheme != "http" && scheme != "https") || host.empty()) return code(Code::Invalid);
  if (!s.grants || !allows(s.grants->outbound, scheme, host, port)) {
    host_log(s, LogLevel::Warn, "refused outbound request to " + scheme + "://" + host + ":" + std::to_string(port) +
                                    ": not in the component's allowed_outbound_hosts");
    return code(Code::Denied);
  }

  auto timeout = s.services->options().http_timeout;
  if (s.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*s.deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return code(Code::Timeout);
    timeout = std::min(timeout, left);
  }
  auto response = std::make_shared<HttpResponse>();
  Collect collect{response.get(), s.services->options().http_max_response};
  CURL* c = curl_easy_init();
  if (!c) return code(Code::HttpError);
  curl_slist* list = nullptr;
  size_t start = 0;
  while (start < headers.size()) {
    size_t end = headers.find('\n', start);
    if (end == std::string_view::npos) end = headers.size();
    std::string line(headers.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find('\r') != std::string::npos) {
      curl_slist_free_all(list);
      curl_easy_cleanup(c);
      return code(Code::Invalid);
    }
    if (!line.empty()) list = curl_slist_append(list, line.c_str());
    start = end + 1;
  }
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &collect);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &collect);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "edgectl-guest/" EDGECTL_VERSION);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) {
    host_log(s, LogLevel::Warn, "outbound " + method + " " + scheme + "://" + host + ":" + std::to_string(port) + " failed: " +
                                    (collect.too_large ? "the response is larger than the limit" : curl_easy_strerror(rc)));
    return code(rc == CURLE_OPERATION_TIMEDOUT ? Code::Timeout : Code::HttpError);
  }
  response->status = static_cast<uint32_t>(status);
  if (slot == s.responses.size()) s.responses.push_back(std::move(response));
  else s.responses[slot] = std::move(response);
  g.put_u32(a[8], static_cast<uint32_t>(slot + 1));
  return code(Code::Ok);
}

uint32_t http_response_status(Session& s, Guest& g, const uint64_t* a) {
  auto r = response_handle(s, a[0]);
  if (!r) return code(Code::BadHandle);
  g.put_u32(a[1], (*r)->status);
  return code(Code::Ok);
}

namespace {
uint32_t copy_out(Guest& g, const std::string& data, const uint64_t* a) {
  g.check(a[1], a[2]);
  g.check(a[3], 4);
  g.put_u32(a[3], static_cast<uint32_t>(data.size()));
  if (data.size() > a[2]) return code(Code::BufferTooSmall);
  g.put_bytes(a[1], data);
  return code(Code::Ok);
}
}  // namespace

uint32_t http_response_headers(Session& s, Guest& g, const uint64_t* a) {
  auto r = response_handle(s, a[0]);
  if (!r) return code(Code::BadHandle);
  return copy_out(g, (*r)->headers, a);
}

uint32_t http_response_body(Session& s, Guest& g, const uint64_t* a) {
  auto r = response_handle(s, a[0]);
  if (!r) return code(Code::BadHandle);
  return copy_out(g, (*r)->body, a);
}

uint32_t http_close(Session& s, Guest&, const uint64_t* a) {
  if (a[0] == 0 || a[0] > s.responses.size() || !s.responses[a[0] - 1]) return code(Code::BadHandle);
  s.responses[a[0] - 1].reset();
  return code(Code::Ok);
}

}  // namespace detail
}  // namespace edgectl::runtime::host
