#include "manifest/detail/values.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

namespace edgectl::manifest::detail {
namespace {

// OCI distribution spec: tags are at most 128 characters.
constexpr size_t kMaxTagLength = 128;
constexpr uint32_t kMaxPort = 65535;
constexpr size_t kMaxPortDigits = 5;
constexpr unsigned char kFirstNonAscii = 0x80;

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_id_char(char c) {
  return is_lower_alnum(c) || c == '_' || c == '-';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    parts.push_back(
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// A valid id close to `id`, for a "try ..." note: lowercased, other characters become '-'.
std::string suggested_id(std::string_view id) {
  std::string out;
  for (char c : lower(id)) {
    char mapped = is_id_char(c) ? c : '-';
    if (mapped == '-' && (out.empty() || out.back() == '-')) continue;
    out.push_back(mapped);
  }
  while (!out.empty() && !is_lower_alnum(out.front())) out.erase(out.begin());
  if (out.size() > kMaxIdLength) out.resize(kMaxIdLength);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// A registry path component: lowercase letters and digits, separated by '.', '_' or '-'
// (the OCI distribution grammar, minus its rarely used double-underscore rule).
bool is_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    if (is_lower_alnum(c[i])) continue;
    if (c[i] != '.' && c[i] != '_' && c[i] != '-') return false;
  }
  return true;
}

bool has_dot_segment(std::string_view path) {
  for (auto seg : split(path, '/'))
    if (seg == "." || seg == "..") return true;
  return false;
}

}  // namespace

Status check_id(std::string_view id, std::string_view what) {
  const std::string kind(what);
  if (id.empty()) return Error(kind + " must not be empty");
  const bool well_formed =
      is_lower_alnum(id.front()) && std::all_of(id.begin(), id.end(), is_id_char);
  if (well_formed && id.size() <= kMaxIdLength) return {};
  if (well_formed)
    return Error(kind + " " + in_quotes(id) + " is longer than " + std::to_string(kMaxIdLength) +
                 " characters");
  Error e(in_quotes(id) + " is not a valid " + kind);
  e.note("use lowercase letters, digits, '_' and '-', starting with a letter or digit");
  // Only for ASCII: dropping letters such as 'é' would suggest a different word.
  const bool ascii = std::all_of(
      id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) < kFirstNonAscii; });
  if (std::string fix = suggested_id(id); ascii && !fix.empty()) e.note("try " + in_quotes(fix));
  return e;
}

Status check_version(std::string_view version) {
  auto tag_char = [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; };
  if (version.empty()) return Error("version must not be empty");
  if (version.size() <= kMaxTagLength && (is_alnum(version.front()) || version.front() == '_') &&
      std::all_of(version.begin(), version.end(), tag_char))
    return {};
  Error e(in_quotes(version) + " is not a valid version");
  e.note("the version is the image tag on push: letters, digits, '_', '.' and '-', at most " +
         std::to_string(kMaxTagLength) + " characters, not starting with '.' or '-'");
  std::string fix(version);
  std::replace_if(
      fix.begin(), fix.end(), [&](char c) { return !tag_char(c); }, '_');
  if (fix != version && (is_alnum(fix.front()) || fix.front() == '_'))
    e.note("try " + in_quotes(fix));
  return e;
}

Status check_registry(std::string_view reference) {
  const std::string form_note =
      "write host[:port]/path, e.g. ghcr.io/acme/hello or 127.0.0.1:5000/acme/hello";
  constexpr std::string_view kSchemeSeparator = "://";
  if (auto scheme = reference.find(kSchemeSeparator); scheme != std::string_view::npos)
    return Error(in_quotes(reference) + " is not a registry reference")
        .note("leave out the scheme: " +
              in_quotes(reference.substr(scheme + kSchemeSeparator.size())));
  if (reference.find('@') != std::string_view::npos)
    return Error("registry reference " + in_quotes(reference) + " must not include a digest")
        .note(form_note);
  const size_t slash = reference.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == reference.size())
    return Error(in_quotes(reference) + " is not a registry reference").note(form_note);

  const std::string_view hostport = reference.substr(0, slash);
  const size_t colon = hostport.find(':');
  const std::string_view host = hostport.substr(0, colon);
  const bool host_ok = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '-';
  });
  bool port_ok = true;
  if (colon != std::string_view::npos) {
    const std::string_view port = hostport.substr(colon + 1);
    port_ok = !port.empty() && port.size() <= kMaxPortDigits &&
              std::all_of(port.begin(), port.end(),
                          [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
              std::stoul(std::string(port)) <= kMaxPort;
  }
  if (!host_ok || !port_ok)
    return Error(in_quotes(hostport) + " is not a valid registry host").note(form_note);

  const std::string_view path = reference.substr(slash + 1);
  if (auto tag = path.find(':'); tag != std::string_view::npos)
    return Error("registry reference " + in_quotes(reference) + " must not include a tag")
        .note("the tag comes from [app].version; try " +
              in_quotes(std::string(hostport) + "/" + lower(path.substr(0, tag))));
  if (std::any_of(path.begin(), path.end(),
                  [](char c) { return std::isupper(static_cast<unsigned char>(c)); }))
    return Error("registry path " + in_quotes(path) + " must be lowercase")
        .note("try " + in_quotes(std::string(hostport) + "/" + lower(path)));
  for (auto component : split(path, '/'))
    if (!is_path_component(component))
      return Error(in_quotes(component) + " is not a valid registry path component")
          .note("use lowercase letters and digits, separated by '.', '_' or '-'");
  return {};
}

bool is_env_name(std::string_view name) {
  auto word_char = [](char c) { return is_alnum(c) || c == '_'; };
  return !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front())) &&
         std::all_of(name.begin(), name.end(), word_char);
}

bool is_http_token(std::string_view text) {
  constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return is_alnum(c) || kTokenPunctuation.find(c) != std::string_view::npos;
  });
}

Result<RoutePath> parse_route_path(std::string_view path) {
  constexpr std::string_view kWildcard = "...";
  constexpr std::string_view kPrefixSuffix = "/...";
  if (path.empty())
    return Error("route path must not be empty").note("use '/...' to match every path");
  if (path.front() != '/')
    return Error("route path " + in_quotes(path) + " must start with '/'")
        .note("try " + in_quotes("/" + std::string(path)));
  if (std::any_of(path.begin(), path.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) || c == '?' || c == '#';
      }))
    return Error("route path " + in_quotes(path) + " must not contain spaces, '?' or '#'")
        .note("routes match the path only; the query string reaches the component as is");
  const bool prefix = path.ends_with(kPrefixSuffix);
  const size_t wildcard = path.find(kWildcard);
  if (wildcard != std::string_view::npos && !(prefix && wildcard == path.size() - kWildcard.size()))
    return Error("'...' is only allowed as the last segment of a route path, as in '/api/...'");
  const std::string_view body = prefix ? path.substr(0, path.size() - kPrefixSuffix.size()) : path;
  if (body.find("//") != std::string_view::npos)
    return Error("route path " + in_quotes(path) + " has an empty segment ('//')");
  if (has_dot_segment(body))
    return Error("route path " + in_quotes(path) + " must not contain '.' or '..' segments");
  if (prefix) return RoutePath{body.empty() ? "/" : std::string(body), RouteMatch::Prefix};
  return RoutePath{std::string(path), RouteMatch::Exact};
}

Result<HeaderMatch> parse_header_match(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view name = trim(text.substr(0, colon)), value = trim(text.substr(colon + 1));
    if (is_http_token(name) && !value.empty()) return HeaderMatch{lower(name), std::string(value)};
  }
  return Error(in_quotes(text) + " is not a header match")
      .note("write \"name: value\", e.g. \"x-env: canary\"");
}

Result<std::string> parse_sticky(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string kind = lower(trim(text.substr(0, colon)));
    const std::string_view name = trim(text.substr(colon + 1));
    if ((kind == "cookie" || kind == "header") && is_http_token(name))
      return kind + ":" + std::string(name);
  }
  return Error(in_quotes(text) + " is not a sticky rule")
      .note("use \"cookie:NAME\" or \"header:NAME\"");
}

Status check_guest_path(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return Error("guest path " + in_quotes(path) + " must be absolute")
        .note("try " + in_quotes("/" + std::string(path)));
  if (has_dot_segment(path))
    return Error("guest path " + in_quotes(path) + " must not contain '.' or '..' segments");
  return {};
}

Result<std::string> short_mount_destination(std::string_view source) {
  if (source.empty()) return Error("file mount source must not be empty");
  const std::string long_form =
      "{ source = \"" + std::string(source) + "\", destination = \"/...\" }";
  if (source.front() == '/')
    return Error("the short form mounts a project folder; " + in_quotes(source) +
                 " is an absolute path")
        .note("to mount a host path, write " + long_form);
  std::string norm = std::filesystem::path(source).lexically_normal().generic_string();
  while (!norm.empty() && norm.back() == '/') norm.pop_back();
  if (norm == ".." || norm.starts_with("../"))
    return Error(in_quotes(source) + " is outside the project folder")
        .note("to mount it, write " + long_form);
  return norm == "." ? std::string("/") : "/" + norm;
}

}  // namespace edgectl::manifest::detail
