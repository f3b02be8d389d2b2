#pragma once
// Static routes (docs/contract.md, "Static routes"): a manifest route that serves a folder
// instead of running a component. Answers GET and HEAD with the file, its Content-Type,
// validators and a revalidation-friendly Cache-Control; everything outside the folder, hidden
// or not a regular file is 404 without saying why. Plain std types, no Boost.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgectl::http {

// Files are read whole into memory: a static route serves an app's assets, not downloads.
// Anything larger is a 500 whose `error` says so.
inline constexpr size_t kMaxStaticFileBytes = 64 * 1024 * 1024;

struct StaticResult {
  int status = 200;
  // On 200, they include Content-Length: the file's size, also for HEAD, whose body is empty;
  // the server sends it as given. Other statuses carry no Content-Length (it is the body's).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;  // for the server's log when status is 500; never sent to the client
};

// Serves `path_info` (percent-decoded, as in RouteMatch) below `root`:
// - "" or "/" or a folder → its index.html (no redirect to a trailing slash);
// - GET and HEAD only; any other method → 405 with "Allow: GET, HEAD";
// - 404, never more, for: a path that is missing, leaves `root` ("..", absolute, a symlink
//   pointing outside; resolved by the kernel with openat2(RESOLVE_BENEATH)), has a segment
//   starting with '.' other than ".well-known", or names something not a regular file;
// - Content-Type from the extension (text types with "; charset=utf-8", else
//   application/octet-stream), ETag "\"<hex size>-<hex mtime ns>\"", Last-Modified,
//   Cache-Control: no-cache;
// - If-None-Match with that ETag (weak comparison, lists, "*") → 304, ETag, no body;
// - over kMaxStaticFileBytes, or an I/O failure → 500 with `error` set.
StaticResult serve_static(const std::filesystem::path& root, std::string_view path_info,
                          std::string_view method, std::string_view if_none_match);

}  // namespace edgectl::http
