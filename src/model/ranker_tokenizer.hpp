#pragma once
// defines: RankerTokenizer, PairRM's DeBERTa-v3 tokenizer (SentencePiece unigram spm.model
// plus the added tokens of added_tokens.json), and the PairRM input layout of SPEC.md §4:
//   [CLS] <|source|> source [SEP] [CLS] <|candidate1|> c1 [SEP] [CLS] <|candidate2|> c2 [SEP]
// with the source cut to 1224 tokens and each candidate to (2048 - source length) / 2.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/sentencepiece.hpp"

namespace sppo {

constexpr int64_t kPairrmSourceMaxTokens = 1224;
constexpr int64_t kPairrmMaxTokens = 2048;

class RankerTokenizer {
 public:
  // `folder`/spm.model, added_tokens.json (optional), special ids from config.json's PairRM fields.
  RankerTokenizer(const std::string& folder, int32_t cls_id, int32_t sep_id, int32_t source_prefix_id,
                  int32_t cand1_prefix_id, int32_t cand2_prefix_id);

  // As Hugging Face's tokenizer: special and added token strings become their ids, the text
  // between them is encoded piece by piece (each with its own dummy prefix). No [CLS]/[SEP].
  std::vector<int32_t> encode_with_specials(std::string_view text) const;
  // Plain SentencePiece: special-token strings in the text stay text.
  std::vector<int32_t> encode(std::string_view text) const;

  // [CLS] prefix encode(text) [SEP], text tokens cut from the end so that the segment holds
  // at most `max_tokens` ids.
  std::vector<int32_t> segment(int32_t prefix_id, std::string_view text, int64_t max_tokens) const;
  // One PairRM row. User text is encoded with encode(), so a candidate that types
  // "<|candidate1|>" cannot move the marker the head reads.
  std::vector<int32_t> pair_row(std::string_view source, std::string_view candidate1, std::string_view candidate2) const;
  // The same from pre-encoded text (annotate encodes each response once, pairs it K-1 times).
  std::vector<int32_t> pair_row_from_ids(const std::vector<int32_t>& source, const std::vector<int32_t>& candidate1,
                                         const std::vector<int32_t>& candidate2) const;

  int32_t pad_id() const { return 0; }

 private:
  std::vector<int32_t> segment_from_ids(int32_t prefix_id, const std::vector<int32_t>& text, int64_t max_tokens) const;
  SentencePiece sp_;
  std::map<std::string, int32_t> specials_;  // "[CLS]" -> 1, "<|source|>" -> 401, ...
  int32_t cls_, sep_, source_, cand1_, cand2_;
};

}  // namespace sppo
