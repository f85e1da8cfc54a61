#include "model/added_vocabulary.hpp"

#include "model/pcre_regex.hpp"

namespace sppo {
namespace {

std::size_t previous_char_start(std::string_view text, std::size_t pos) {
  std::size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return start;
}

}  // namespace

void AddedVocabulary::Trie::insert(std::string_view pattern, int32_t token) {
  if (nodes.empty()) nodes.emplace_back();
  int32_t node = 0;
  for (const char ch : pattern) {
    const uint64_t key = static_cast<uint64_t>(node) << 8 | static_cast<unsigned char>(ch);
    auto it = edges.find(key);
    if (it == edges.end()) {
      const auto child = static_cast<int32_t>(nodes.size());
      nodes.emplace_back();
      it = edges.emplace(key, child).first;
    }
    node = it->second;
  }
  nodes[static_cast<std::size_t>(node)].token = token;
  starts[static_cast<unsigned char>(pattern[0])] = true;
}

std::pair<int32_t, std::size_t> AddedVocabulary::Trie::longest_at(std::string_view text, std::size_t pos) const {
  std::pair<int32_t, std::size_t> best{-1, pos};
  int32_t node = 0;
  for (std::size_t j = pos; j < text.size(); ++j) {
    const auto it = edges.find(static_cast<uint64_t>(node) << 8 | static_cast<unsigned char>(text[j]));
    if (it == edges.end()) break;
    node = it->second;
    if (nodes[static_cast<std::size_t>(node)].token >= 0) best = {nodes[static_cast<std::size_t>(node)].token, j + 1};
  }
  return best;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const TextNormalizer& normalizer, bool skip_special)
    : tokens_(std::move(tokens)), skip_special_(skip_special) {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    index_of_id_[t.id] = i;
    index_of_content_[t.content] = i;
    if (!t.normalized) {
      raw_.insert(t.content, static_cast<int32_t>(i));
    } else {
      const std::string pattern = normalizer.normalize(t.content);
      if (!pattern.empty()) normalized_.insert(pattern, static_cast<int32_t>(i));
    }
  }
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  const auto it = index_of_id_.find(id);
  return it == index_of_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedVocabulary::id_of(std::string_view content) const {
  const auto it = index_of_content_.find(std::string(content));
  if (it == index_of_content_.end()) return std::nullopt;
  return tokens_[it->second].id;
}

void AddedVocabulary::split(std::string_view text, bool after_normalization, std::vector<Piece>& pieces) const {
  pieces.clear();
  const Trie& trie = after_normalization ? normalized_ : raw_;
  if (trie.nodes.empty()) {
    if (!text.empty()) pieces.push_back({0, text.size(), -1});
    return;
  }
  find(trie, text, pieces);
}

void AddedVocabulary::find(const Trie& trie, std::string_view text, std::vector<Piece>& pieces) const {
  const std::size_t n = text.size();
  std::size_t start_offset = 0;  // end of the last token (plain text starts here)
  std::size_t pos = 0;
  while (pos < n) {
    if (!trie.starts[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    const auto [index, match_end] = trie.longest_at(text, pos);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[static_cast<std::size_t>(index)];
    std::size_t start = pos;
    std::size_t stop = match_end;
    pos = match_end;  // the scan goes on after this match whether it is kept or not
    if (skip_special_ && token.special) continue;
    if (token.single_word) {
      const bool word_before = start > 0 && is_word_char(decode_utf8_at(text, previous_char_start(text, start)).first);
      const bool word_after = stop < n && is_word_char(decode_utf8_at(text, stop).first);
      if (word_before || word_after) continue;
    }
    if (token.lstrip) {
      while (start > start_offset) {
        const std::size_t prev = previous_char_start(text, start);
        if (!is_white_space(decode_utf8_at(text, prev).first)) break;
        start = prev;
      }
    }
    if (token.rstrip) {
      while (stop < n) {
        const auto [c, len] = decode_utf8_at(text, stop);
        if (!is_white_space(c)) break;
        stop += len;
      }
      pos = stop;
    }
    if (start_offset < start) pieces.push_back({start_offset, start, -1});
    pieces.push_back({start, stop, token.id});
    start_offset = stop;
  }
  if (start_offset < n) pieces.push_back({start_offset, n, -1});
}

}  // namespace sppo
