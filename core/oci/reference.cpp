// Image references (see oci.hpp), with docker's grammar: distribution/reference's regular
// expressions, reduced to what registries accept today (lowercase repository components
// separated by '.', '_', '__' or dashes; tags of at most 128 characters; sha256 digests).
#include <arpa/inet.h>

#include <regex>

#include "oci/oci.hpp"

namespace edgectl::oci {
namespace {

const std::regex& component_re() {
  static const std::regex re("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  return re;
}
const std::regex& tag_re() {
  static const std::regex re("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  return re;
}
const std::regex& digest_re() {
  static const std::regex re("sha256:[a-f0-9]{64}");
  return re;
}
const std::regex& host_re() {
  // A host name or IPv4 address, optionally [IPv6], then an optional port.
  static const std::regex re(R"((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?)");
  return re;
}

std::string host_only(const std::string& registry) {
  if (!registry.empty() && registry.front() == '[') return registry.substr(0, registry.find(']') + 1);
  return registry.substr(0, registry.find(':'));
}

}  // namespace

std::string Reference::str() const {
  std::string s = name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string Reference::api_host() const { return registry == "docker.io" ? "registry-1.docker.io" : registry; }

bool Reference::plain_http_allowed() const {
  const std::string host = host_only(registry);
  if (host == "localhost" || host == "[::1]") return true;
  // A real IPv4 literal in 127.0.0.0/8, not a name that starts with "127." (127.evil.example).
  in_addr addr{};
  return ::inet_pton(AF_INET, host.c_str(), &addr) == 1 && (ntohl(addr.s_addr) >> 24) == 127;
}

Result<Reference> parse_reference(std::string_view text, std::string_view default_tag) {
  std::string s(text);
  for (const char* scheme : {"oci://", "docker://"})
    if (s.rfind(scheme, 0) == 0) s = s.substr(std::string_view(scheme).size());
  const std::string shown(text);
  auto bad = [&](const std::string& why) {
    return Error("'" + shown + "' is not an image reference: " + why)
        .note("expected [REGISTRY/]REPOSITORY[:TAG][@sha256:DIGEST], e.g. ghcr.io/acme/hello:1.0");
  };
  if (s.empty()) return bad("it is empty");

  Reference r;
  if (auto at = s.find('@'); at != std::string::npos) {
    r.digest = s.substr(at + 1);
    s.resize(at);
    if (!std::regex_match(r.digest, digest_re())) {
      if (r.digest.rfind("sha256:", 0) != 0 && r.digest.find(':') != std::string::npos)
        return bad("only sha256 digests are supported, not '" + r.digest + "'");
      return bad("the digest '" + r.digest + "' is not sha256: and 64 lowercase hex digits");
    }
  }
  // The tag is after the last ':' that comes after the last '/'.
  const size_t slash = s.rfind('/');
  if (auto colon = s.rfind(':'); colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    r.tag = s.substr(colon + 1);
    s.resize(colon);
    if (!std::regex_match(r.tag, tag_re()))
      return bad("the tag '" + r.tag + "' is not 1-128 letters, digits, '_', '.' or '-' (not starting with '.' or '-')");
  }
  const size_t first_slash = s.find('/');
  std::string first = s.substr(0, first_slash);
  if (first_slash != std::string::npos &&
      (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost" ||
       (first.front() == '['))) {
    if (!std::regex_match(first, host_re())) return bad("'" + first + "' is not a registry host[:port]");
    r.registry = first;
    s = s.substr(first_slash + 1);
  } else {
    r.registry = "docker.io";
    if (s.find('/') == std::string::npos) s = "library/" + s;
  }
  if (r.registry == "index.docker.io" || r.registry == "registry-1.docker.io") r.registry = "docker.io";
  if (s.empty()) return bad("the repository is missing");
  if (s.size() > 255) return bad("the repository name is longer than 255 characters");
  size_t start = 0;
  while (true) {
    const size_t end = s.find('/', start);
    const std::string component = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!std::regex_match(component, component_re())) {
      for (char c : component)
        if (c >= 'A' && c <= 'Z') return bad("repository names are lowercase ('" + component + "')");
      return bad("'" + component + "' is not a repository name component (lowercase letters, digits, '.', '_', '-')");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  r.repository = s;
  if (r.tag.empty() && r.digest.empty()) r.tag = std::string(default_tag);
  return r;
}

}  // namespace edgectl::oci
