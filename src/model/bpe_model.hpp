#pragma once
// defines: sppo::BpeModel, the `model` of type BPE of a tokenizer.json: vocab, ranked merges,
// unk_token/fuse_unk, byte_fallback (<0xNN> pieces), ignore_merges, continuing_subword_prefix
// and end_of_word_suffix, applied to one pre-token at a time as Hugging Face's BPE::merge_word:
// characters become symbols, then the lowest-ranked mergeable pair (leftmost on ties) merges
// until none is left. Merge ranks live in an open-addressing table keyed by the pair of ids;
// results for pre-tokens up to 256 bytes are cached.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/json_node.hpp"
#include "model/tokenizer_json.hpp"

namespace sppo {

class BpeModel {
 public:
  // Reads `model` (its "type" already checked to be "BPE") with the vocab and merges streamed
  // out of the same file into `parsed` (moved from). Throws FormatError naming the file and the
  // field: dropout not null, a merge naming a token outside the vocab, an id given twice, ...
  static BpeModel from_json(const JsonNode& model, TokenizerJson& parsed);

  BpeModel(BpeModel&& other) noexcept;
  BpeModel& operator=(BpeModel&&) = delete;
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // Appends the ids of `word` (one pre-token, valid UTF-8). Thread-safe.
  void tokenize(std::string_view word, std::vector<int32_t>& ids) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string_view> id_to_token(int32_t id) const;
  int64_t id_limit() const { return static_cast<int64_t>(present_.size()); }  // highest vocab id + 1

 private:
  BpeModel() = default;

  struct MergeSlot {
    uint64_t key = kEmpty;  // (left id << 32) | right id
    uint32_t rank = 0;
    int32_t new_id = -1;
  };
  static constexpr uint64_t kEmpty = ~0ULL;

  int32_t find_token(std::string_view token) const;  // -1 when absent
  const MergeSlot* find_merge(int32_t left, int32_t right) const;
  void insert_merge(int32_t left, int32_t right, uint32_t rank, int32_t new_id);
  int32_t char_id(std::string_view ch, bool is_first, bool is_last, std::string& scratch) const;
  void tokenize_cached(std::string_view word, std::vector<int32_t>& ids) const;
  void merge_word(std::string_view word, std::vector<int32_t>& ids) const;
  void split_at_word_starts(std::string_view word, std::vector<int32_t>& ids) const;

  // Vocab: token text of id i is arena_[offset_[i], offset_[i + 1]); present_[i] says if i has one.
  std::string arena_;
  std::vector<uint32_t> offset_;
  std::vector<uint8_t> present_;
  std::vector<int32_t> token_slots_;  // open addressing over ids, hashed by token text
  std::vector<MergeSlot> merge_slots_;
  std::vector<int32_t> bmp_char_id_;  // id of each one-character token below U+10000, -1 if none
  int32_t byte_id_[256];              // id of "<0xNN>", -1 if absent

  int32_t unk_id_ = -1;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::string continuing_subword_prefix_;
  std::string end_of_word_suffix_;

  // SentencePiece-style vocabularies (no pre-tokenizer: a whole paragraph is one "word") are
  // cut before each U+2581 '▁' that follows a character c when no token contains c followed by
  // '▁': no merge can then cross the cut, so the pieces tokenize independently (and cache).
  bool cut_at_word_starts_ = false;
  std::vector<char32_t> joins_before_word_start_;  // the c's that do occur before '▁' (sorted)

  static constexpr std::size_t kCacheMaxWordBytes = 256;
  static constexpr std::size_t kCacheMaxEntries = 1 << 17;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace sppo
