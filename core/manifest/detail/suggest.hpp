#pragma once
// "Did you mean ...?" for misspelt keys, component ids, languages and host modules.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgectl::manifest::detail {

// Edit distance with adjacent transpositions (optimal string alignment), compared
// case-insensitively, so "sorce", "srouce" and "Source" are all close to "source".
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo: at most
// two edits, and fewer edits than the candidate has letters ("x" is not a typo of "id").
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "did you mean 'source'?" when there is a close candidate, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c" for notes that list what is accepted.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace edgectl::manifest::detail
