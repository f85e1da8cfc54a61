#pragma once
// defines: edit distance and the closest-match lookup behind "did you mean ...?" messages.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sppo {

// Levenshtein distance (insertions, deletions, substitutions, each costing 1).
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `word`, if it is near enough to be a plausible typo:
// distance <= max(2, |word| / 3).
std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace sppo
