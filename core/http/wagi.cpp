// The WAGI rules of docs/contract.md: request → CGI/1.1 environment (RFC 3875 §4.1, plus
// the X_* variables Spin's WAGI executor sets) and guest stdout → response (RFC 3875 §6).
// Anything the rules leave open is decided here and written back into docs/contract.md.
#include "http/wagi.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <unordered_map>

namespace edgectl::http {
namespace {

constexpr std::string_view kServerSoftware = "edgectl/" EDGECTL_VERSION;
constexpr std::string_view kGatewayInterface = "CGI/1.1";
// A malformed header line is quoted in the error, cut to this many bytes: enough to
// recognise it in a log, not so much that a runaway guest floods the log.
constexpr size_t kMaxQuotedLineBytes = 80;
constexpr int kMinFinalStatus = 200;  // 1xx are interim answers; a guest cannot end with one
constexpr int kMaxStatus = 599;
constexpr int kRedirectStatus = 302;  // "Location:" without "Status:" (RFC 3875 §6.2.3, WAGI)

// The variables cgi_environment() sets itself; a component variable of the same name is
// dropped so the guest can trust them.
constexpr auto kServerVariables = std::to_array<std::string_view>({
    "REQUEST_METHOD",    "SCRIPT_NAME",  "PATH_INFO",      "PATH_TRANSLATED", "QUERY_STRING",
    "REQUEST_URI",       "SERVER_NAME",  "SERVER_PORT",    "SERVER_PROTOCOL", "SERVER_SOFTWARE",
    "GATEWAY_INTERFACE", "REMOTE_ADDR",  "REMOTE_HOST",    "REMOTE_PORT",     "REMOTE_USER",
    "AUTH_TYPE",         "CONTENT_TYPE", "CONTENT_LENGTH", "X_FULL_URL",      "X_MATCHED_ROUTE",
    "X_RAW_PATH_INFO",   "X_REQUEST_ID",
});

// Request headers that get no HTTP_ variable: Content-Type and Content-Length have their
// own (RFC 3875 §4.1.18); the hop-by-hop ones describe the client's connection, not the
// request; "Proxy" would become HTTP_PROXY, which HTTP clients read as their proxy
// setting (httpoxy, CVE-2016-5385).
constexpr auto kRequestHeadersNotPassed = std::to_array<std::string_view>({
    "content-type",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "transfer-encoding",
    "proxy-authorization",
    "proxy",
});

// Guest headers the server does not forward: hop-by-hop ones are the server's to set, and
// Content-Length is computed from the body the guest actually wrote.
constexpr auto kResponseHeadersDropped = std::to_array<std::string_view>({
    "content-length",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "transfer-encoding",
    "trailer",
    "upgrade",
});

bool is_server_variable(std::string_view name) {  // environment names are case-sensitive
  return std::find(kServerVariables.begin(), kServerVariables.end(), name) !=
         kServerVariables.end();
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

template <size_t N>
bool contains_ci(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view n) { return iequals(n, name); });
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'z');
}

// RFC 9110 §5.6.2 token characters: what a header name may be made of.
bool is_token_char(char c) {
  return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A header name becomes HTTP_<NAME> only if made of letters, digits and '-': "X_User" and
// "X-User" would both be HTTP_X_USER, and a proxy in front that strips or checks one spelling
// would be bypassed with the other (Apache and nginx drop such names for the same reason).
bool passes_as_variable(std::string_view name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

std::string variable_name(std::string_view header_name) {
  std::string out = "HTTP_";
  for (char c : header_name) out += c == '-' ? '_' : ascii_upper(c);
  return out;
}

// SERVER_NAME is a host name, an IPv4 address or a bracketed IPv6 address (RFC 3875 §4.1.14).
std::string bracket_ipv6(std::string_view host) {
  if (host.find(':') != std::string_view::npos && !host.starts_with('['))
    return "[" + std::string(host) + "]";
  return std::string(host);
}

// REQUEST_URI is the request-target in origin form (path and query, as sent): what Apache
// and nginx set and what Go's net/http/cgi parses after HTTP_HOST. An absolute-form target
// ("http://host/p?q", sent to proxies) loses its scheme and authority; "*" stays as it is.
std::string origin_form(std::string_view target) {
  if (target.starts_with('/') || target == "*") return std::string(target);
  const size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return std::string(target);
  const size_t path_at = target.find_first_of("/?", scheme_end + 3);
  if (path_at == std::string_view::npos) return "/";
  std::string out(target.substr(path_at));
  if (out.starts_with('?')) out.insert(0, "/");
  return out;
}

// Cookie values contain commas, so repeated Cookie headers are joined the way RFC 9113
// §8.2.3 rebuilds them, with "; ". Every other header joins with ", " (RFC 9110 §5.3).
std::string_view join_separator(std::string_view header_name) {
  return iequals(header_name, "cookie") ? "; " : ", ";
}

// One HTTP_ variable per header name, in the order names first appear.
std::vector<std::pair<std::string, std::string>> header_variables(const Request& request) {
  std::vector<std::pair<std::string, std::string>> out;
  std::unordered_map<std::string, size_t> index;
  for (const auto& [name, value] : request.headers) {
    if (!passes_as_variable(name) || contains_ci(kRequestHeadersNotPassed, name)) continue;
    if (value.find('\0') != std::string::npos) continue;  // cannot be in an environment string
    std::string var = variable_name(name);
    auto [it, inserted] = index.emplace(var, out.size());
    if (inserted) {
      out.emplace_back(std::move(var), value);
    } else {
      std::string& joined = out[it->second].second;
      joined.append(join_separator(name)).append(value);
    }
  }
  return out;
}

std::string joined_header(const Request& request, std::string_view wanted) {
  std::string out;
  bool first = true;
  for (const auto& [name, value] : request.headers) {
    if (!iequals(name, wanted)) continue;
    if (!first) out += ", ";
    out += value;
    first = false;
  }
  return out;
}

// Quotes a guest's line for an error message: cut short, control and non-ASCII bytes as \xNN
// so that a log line stays one line.
std::string quote_line(std::string_view line) {
  std::string out = "'";
  for (char c : line.substr(0, kMaxQuotedLineBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  out += line.size() > kMaxQuotedLineBytes ? "...'" : "'";
  return out;
}

Error line_error(size_t line_no, std::string_view what, std::string_view line) {
  return Error("guest output line " + std::to_string(line_no) + ": " + std::string(what) + ": " +
               quote_line(line))
      .note("a CGI response is header lines ('Name: value'), an empty line, then the body");
}

// "404" or "404 Not Found" → status and reason.
Status parse_status(std::string_view value, size_t line_no, std::string_view line, Response* out) {
  const bool shape_ok = value.size() >= 3 && is_digit(value[0]) && is_digit(value[1]) &&
                        is_digit(value[2]) && (value.size() == 3 || value[3] == ' ');
  if (!shape_ok)
    return line_error(line_no, "Status must be a three-digit code, optionally followed by a reason",
                      line);
  const int code = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
  if (code < kMinFinalStatus || code > kMaxStatus)
    return line_error(line_no, "Status must be between 200 and 599", line);
  out->status = code;
  out->reason = std::string(trim_ows(value.substr(3)));
  return {};
}

// RFC 9110 §15 names, for the codes guests and the server actually use.
constexpr std::pair<int, std::string_view> kReasonPhrases[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Content"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {511, "Network Authentication Required"},
};

}  // namespace

std::vector<std::pair<std::string, std::string>> cgi_environment(
    const Request& request, const RouteMatch& match, std::string_view request_id,
    const std::map<std::string, std::string>& component_env) {
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& [name, value] : component_env)
    if (!is_server_variable(name)) env.emplace_back(name, value);

  const size_t query_at = request.target.find('?');
  const std::string query =
      query_at == std::string::npos ? "" : request.target.substr(query_at + 1);
  const std::string server_name = bracket_ipv6(request.server_name);
  const std::string server_port = std::to_string(request.server_port);
  // An absolute-form target already is the full URL; the usual origin-form gets a scheme
  // and authority from what the server knows (plain HTTP: the server does not do TLS).
  const std::string full_url = request.target.starts_with('/')
                                   ? "http://" + server_name + ":" + server_port + request.target
                                   : request.target;

  auto add = [&](std::string name, std::string value) {
    env.emplace_back(std::move(name), std::move(value));
  };
  add("REQUEST_METHOD", request.method);
  add("SCRIPT_NAME", match.script_name);
  add("PATH_INFO", match.path_info);
  add("PATH_TRANSLATED", match.path_info);  // WAGI: always PATH_INFO (no document root)
  add("QUERY_STRING", query);
  add("REQUEST_URI", origin_form(request.target));
  add("SERVER_NAME", server_name);
  add("SERVER_PORT", server_port);
  add("SERVER_PROTOCOL", request.version);
  add("SERVER_SOFTWARE", std::string(kServerSoftware));
  add("GATEWAY_INTERFACE", std::string(kGatewayInterface));
  add("REMOTE_ADDR", request.remote_addr);
  add("REMOTE_HOST", request.remote_addr);  // RFC 3875 §4.1.9: no reverse lookup, the address
  add("REMOTE_PORT", std::to_string(request.remote_port));  // not in WAGI; Go's cgi reads it
  add("REMOTE_USER", "");  // the server authenticates no one; WAGI sets both empty
  add("AUTH_TYPE", "");
  add("CONTENT_TYPE", joined_header(request, "content-type"));
  add("CONTENT_LENGTH", std::to_string(request.body.size()));
  for (auto& [name, value] : header_variables(request))
    if (!component_env.contains(name)) add(std::move(name), std::move(value));
  add("X_FULL_URL", full_url);
  add("X_MATCHED_ROUTE", match.route);
  add("X_RAW_PATH_INFO", match.raw_path_info);
  add("X_REQUEST_ID", std::string(request_id));
  return env;
}

Result<Response> parse_cgi_response(std::string_view output) {
  if (output.empty())
    return Error("the guest wrote nothing to stdout")
        .note("a CGI response is header lines ('Name: value'), an empty line, then the body");
  Response response;
  size_t status_line = 0;  // 0: no Status header yet
  bool has_location = false;
  size_t pos = 0;
  size_t line_no = 0;
  // The header block ends at the first empty line, or with the output (then the body is empty).
  while (pos < output.size()) {
    const size_t newline = output.find('\n', pos);
    const size_t end = newline == std::string_view::npos ? output.size() : newline;
    if (end > kMaxCgiHeaderBytes)
      return Error("the guest's CGI headers exceed " + std::to_string(kMaxCgiHeaderBytes / 1024) +
                   " KiB (no empty line ends them)")
          .note("a CGI response is header lines ('Name: value'), an empty line, then the body");
    std::string_view line = output.substr(pos, end - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    pos = newline == std::string_view::npos ? output.size() : newline + 1;
    ++line_no;
    if (line.empty()) {
      if (line_no == 1)
        return line_error(line_no, "the output starts with an empty line, not a CGI header", line);
      response.body = std::string(output.substr(pos));
      break;
    }
    if (line_no > kMaxCgiHeaderLines)
      return Error("the guest wrote more than " + std::to_string(kMaxCgiHeaderLines) +
                   " CGI header lines");
    if (line.front() == ' ' || line.front() == '\t')
      return line_error(line_no, "continuation lines (obsolete header folding) are not supported",
                        line);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return line_error(line_no, "not a header line", line);
    const std::string_view name = trim_ows(line.substr(0, colon));
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char))
      return line_error(line_no, "not a valid header name", line);
    const bool has_control = std::any_of(value.begin(), value.end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return (byte < 0x20 && c != '\t') || byte == 0x7f;
    });
    if (has_control) return line_error(line_no, "control character in header value", line);

    if (iequals(name, "status")) {
      if (status_line != 0)
        return line_error(line_no,
                          "Status given twice (first on line " + std::to_string(status_line) + ")",
                          line);
      if (auto s = parse_status(value, line_no, line, &response); !s) return std::move(s).error();
      status_line = line_no;
      continue;
    }
    if (contains_ci(kResponseHeadersDropped, name)) continue;
    if (iequals(name, "location")) has_location = true;
    response.headers.emplace_back(std::string(name), std::string(value));
  }
  if (has_location && status_line == 0) response.status = kRedirectStatus;
  return response;
}

std::string_view reason_phrase(int status) {
  for (const auto& [code, phrase] : kReasonPhrases)
    if (code == status) return phrase;
  return "";
}

Result<std::string> percent_decode_path(std::string_view raw) {
  auto hex_value = [](char c) -> int {
    if (is_digit(c)) return c - '0';
    const char l = ascii_lower(c);
    if (l >= 'a' && l <= 'f') return l - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      const bool complete = i + 2 < raw.size();
      const int hi = complete ? hex_value(raw[i + 1]) : -1;
      const int lo = complete ? hex_value(raw[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return Error("bad percent-escape in path at byte " + std::to_string(i) + ": " +
                     quote_line(raw.substr(i, 3)));
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return Error("the path contains a NUL byte (%00)");
    out += c;
  }
  return out;
}

}  // namespace edgectl::http
