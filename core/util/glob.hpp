#pragma once
// Path globs as manifests write them ("src/**/*.c"): '*' and '?' stay within one path
// segment, "**" spans any number of segments (including none), '/' separates.
// fnmatch(3) has no "**", hence this small matcher.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace edgectl {

bool glob_match(std::string_view pattern, std::string_view path);

// Regular files under `root` whose '/'-separated relative path matches any pattern,
// sorted. Hidden folders, node_modules, target/ and .edgectl are not descended into.
std::vector<std::string> glob_files(const std::filesystem::path& root, const std::vector<std::string>& patterns);

}  // namespace edgectl
