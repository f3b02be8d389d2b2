#pragma once
// The small value types of edgectl.toml and their rules, kept apart from the TOML reading so
// each rule is stated once (docs/manifest.md repeats them for users). A check returns an
// Error whose message and notes become the diagnostic; the reader adds the location.
#include <cstddef>
#include <string>
#include <string_view>

#include "manifest/manifest.hpp"
#include "util/error.hpp"

namespace edgectl::manifest::detail {

// Ids become OCI repository components, file names and metric labels: a DNS label's limit
// keeps them safe in all three.
inline constexpr size_t kMaxIdLength = 63;

// [a-z0-9][a-z0-9_-]*, at most kMaxIdLength; `what` names it: "component id", "app name".
Status check_id(std::string_view id, std::string_view what);

// [app].version becomes the OCI tag of a push: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.
Status check_version(std::string_view version);

// [app].registry: host[:port]/path without tag or digest, lowercase path components.
Status check_registry(std::string_view reference);

// [A-Za-z_][A-Za-z0-9_]*
bool is_env_name(std::string_view name);

// An HTTP token (RFC 9110 tchar+): header and cookie names.
bool is_http_token(std::string_view text);

struct RoutePath {
  std::string prefix;  // "/api" for "/api/...", "/" for "/...", the path itself when exact
  RouteMatch match = RouteMatch::Exact;
};
// "/hello" (exact), "/api/..." (prefix), "/..." (everything).
Result<RoutePath> parse_route_path(std::string_view path);

struct HeaderMatch {
  std::string name;   // lowercased: header names are case-insensitive
  std::string value;  // trimmed, compared as written
};
// "x-env: canary"
Result<HeaderMatch> parse_header_match(std::string_view text);

// "cookie:NAME" or "header:NAME", spaces around ':' allowed; returns the normalised form.
Result<std::string> parse_sticky(std::string_view text);

// A path inside the guest: absolute, no "." or ".." segments.
Status check_guest_path(std::string_view path);

// The destination of a short-form file mount: "static" -> "/static", "./data/" -> "/data".
Result<std::string> short_mount_destination(std::string_view source);

}  // namespace edgectl::manifest::detail
