#pragma once
// defines: sppo::AddedToken and sppo::AddedVocabulary, the `added_tokens` of a tokenizer.json
// (special or not) and how Hugging Face finds them in text before the model sees it: a byte
// trie matched leftmost-longest, with single_word, lstrip and rstrip as in tokenizers'
// AddedVocabulary::find_matches. Tokens with normalized = false are matched in the raw text,
// the others in each stretch after normalization, in their normalized form.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/text_normalizer.hpp"

namespace sppo {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool single_word = false;  // only where no word character (regex \w) touches it
  bool lstrip = false;       // swallows the whitespace before it
  bool rstrip = false;       // swallows the whitespace after it
  bool normalized = false;   // matched after normalization
  bool special = false;      // skipped by decode(skip_special_tokens); one of the "special tokens"
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `tokens` with distinct ids and contents (checked by the caller). `skip_special` (transformers'
  // split_special_tokens) leaves special tokens unmatched so that they stay text.
  AddedVocabulary(std::vector<AddedToken> tokens, const TextNormalizer& normalizer, bool skip_special);

  struct Piece {
    std::size_t begin = 0, end = 0;  // bytes of the text given to split
    int32_t id = -1;                 // the added token, or -1 for plain text
  };
  // Splits `text` into plain stretches and matched tokens (in order, covering the text except
  // for whitespace swallowed by lstrip/rstrip). `after_normalization` picks the token set.
  void split(std::string_view text, bool after_normalization, std::vector<Piece>& pieces) const;

  bool has_normalized_tokens() const { return !normalized_.nodes.empty(); }
  const AddedToken* by_id(int32_t id) const;
  std::optional<int32_t> id_of(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Trie {
    struct Node {
      int32_t token = -1;  // index into tokens_ of the token ending here
    };
    std::vector<Node> nodes;                     // nodes[0] is the root (when not empty)
    std::unordered_map<uint64_t, int32_t> edges;  // (node << 8 | byte) -> child
    bool starts[256] = {};                        // bytes some token starts with
    void insert(std::string_view pattern, int32_t token);
    // The longest token starting at text[pos]: (token index, end), or token -1.
    std::pair<int32_t, std::size_t> longest_at(std::string_view text, std::size_t pos) const;
  };
  void find(const Trie& trie, std::string_view text, std::vector<Piece>& pieces) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, std::size_t> index_of_id_;
  std::unordered_map<std::string, std::size_t> index_of_content_;
  Trie raw_, normalized_;
  bool skip_special_ = false;
};

}  // namespace sppo
