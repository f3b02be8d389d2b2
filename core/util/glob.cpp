#include "util/glob.hpp"

#include <algorithm>
#include <array>

namespace fs = std::filesystem;

namespace edgectl {
namespace {

// Folders a source glob never descends into: tool caches and outputs, not sources.
constexpr std::array<std::string_view, 3> kSkippedDirs{"node_modules", "target", "build"};

bool match_segment(std::string_view pat, std::string_view s) {
  // Iterative '*'/'?' matcher with single backtrack point.
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && (pat[p] == '?' || pat[p] == s[i])) {
      ++p;
      ++i;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t slash = s.find('/');
    std::string_view seg = s.substr(0, slash);
    if (!seg.empty() && seg != ".") out.push_back(seg);
    if (slash == std::string_view::npos) break;
    s.remove_prefix(slash + 1);
  }
  return out;
}

bool match_parts(const std::vector<std::string_view>& pat, size_t pi, const std::vector<std::string_view>& path,
                 size_t si) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      for (size_t k = si; k <= path.size(); ++k)
        if (match_parts(pat, pi + 1, path, k)) return true;
      return false;
    }
    if (si >= path.size() || !match_segment(pat[pi], path[si])) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  return match_parts(split(pattern), 0, split(path), 0);
}

std::vector<std::string> glob_files(const fs::path& root, const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if ((!name.empty() && name[0] == '.') ||
          std::find(kSkippedDirs.begin(), kSkippedDirs.end(), name) != kSkippedDirs.end())
        it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    std::string rel = it->path().lexically_relative(root).generic_string();
    for (const auto& p : patterns)
      if (glob_match(p, rel)) {
        out.push_back(rel);
        break;
      }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace edgectl
