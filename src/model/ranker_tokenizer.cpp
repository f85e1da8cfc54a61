#include "model/ranker_tokenizer.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace sppo {

RankerTokenizer::RankerTokenizer(const std::string& folder, int32_t cls_id, int32_t sep_id, int32_t source_prefix_id,
                                 int32_t cand1_prefix_id, int32_t cand2_prefix_id)
    : sp_(folder + "/spm.model"), cls_(cls_id), sep_(sep_id), source_(source_prefix_id), cand1_(cand1_prefix_id),
      cand2_(cand2_prefix_id) {
  // The model's own control pieces; [MASK] usually comes from added_tokens.json instead.
  for (const char* piece : {"[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"}) {
    const int id = sp_.piece_to_id(piece);
    if (sp_.id_to_piece(id) == piece) specials_[piece] = id;
  }
  const std::string added_path = folder + "/added_tokens.json";
  std::ifstream in(added_path);
  if (in) {
    nlohmann::json added;
    try {
      added = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(added_path + ": not valid JSON: " + e.what());
    }
    if (!added.is_object()) throw FormatError(added_path + ": expected an object of token -> id");
    for (const auto& [token, id] : added.items()) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0)
        throw FormatError(added_path + ": " + token + " must map to a non-negative id");
      specials_[token] = id.get<int32_t>();
    }
  }
}

std::vector<int32_t> RankerTokenizer::encode(std::string_view text) const {
  const std::vector<int> ids = sp_.encode(text);
  return {ids.begin(), ids.end()};
}

std::vector<int32_t> RankerTokenizer::encode_with_specials(std::string_view text) const {
  std::vector<int32_t> out;
  std::size_t start = 0, pos = 0;
  auto flush = [&](std::size_t end) {
    if (end > start)
      for (int32_t id : encode(text.substr(start, end - start))) out.push_back(id);
  };
  while (pos < text.size()) {
    // Longest special string starting here.
    const std::pair<const std::string, int32_t>* match = nullptr;
    for (const auto& entry : specials_)
      if (text.compare(pos, entry.first.size(), entry.first) == 0 && (!match || entry.first.size() > match->first.size()))
        match = &entry;
    if (!match) {
      ++pos;
      continue;
    }
    flush(pos);
    out.push_back(match->second);
    pos += match->first.size();
    start = pos;
  }
  flush(text.size());
  return out;
}

std::vector<int32_t> RankerTokenizer::segment_from_ids(int32_t prefix_id, const std::vector<int32_t>& text,
                                                       int64_t max_tokens) const {
  // [CLS] prefix text [SEP]: the text keeps its first max_tokens - 3 ids.
  const std::size_t keep = static_cast<std::size_t>(std::max<int64_t>(0, std::min<int64_t>(static_cast<int64_t>(text.size()), max_tokens - 3)));
  std::vector<int32_t> out{cls_, prefix_id};
  out.insert(out.end(), text.begin(), text.begin() + keep);
  out.push_back(sep_);
  return out;
}

std::vector<int32_t> RankerTokenizer::segment(int32_t prefix_id, std::string_view text, int64_t max_tokens) const {
  return segment_from_ids(prefix_id, encode(text), max_tokens);
}

std::vector<int32_t> RankerTokenizer::pair_row_from_ids(const std::vector<int32_t>& source, const std::vector<int32_t>& c1,
                                                        const std::vector<int32_t>& c2) const {
  std::vector<int32_t> row = segment_from_ids(source_, source, kPairrmSourceMaxTokens);
  const int64_t candidate_max = (kPairrmMaxTokens - static_cast<int64_t>(row.size())) / 2;
  for (int32_t id : segment_from_ids(cand1_, c1, candidate_max)) row.push_back(id);
  for (int32_t id : segment_from_ids(cand2_, c2, candidate_max)) row.push_back(id);
  return row;
}

std::vector<int32_t> RankerTokenizer::pair_row(std::string_view source, std::string_view c1, std::string_view c2) const {
  return pair_row_from_ids(encode(source), encode(c1), encode(c2));
}

}  // namespace sppo
