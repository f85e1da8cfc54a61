#include "annotate/pairrm_judge.hpp"

#include <ATen/ATen.h>

#include "annotate/pair_batches.hpp"
#include "io/model_fingerprint.hpp"

namespace sppo {

PairRmJudge::PairRmJudge(const std::string& folder, DType dtype, int64_t batch_pairs, c10::Device device)
    : folder_(folder),
      ranker_(PairRanker::load(folder, dtype == DType::bfloat16 ? at::kBFloat16 : at::kFloat, device)),
      batch_pairs_(batch_pairs),
      fingerprint_(static_cast<int64_t>(fingerprint_model_folder_value(folder) >> 1)) {}

std::vector<std::vector<float>> PairRmJudge::logit_matrices(const std::vector<JudgeItem>& items,
                                                            JudgeShare share) const {
  const RankerTokenizer& tok = ranker_.tokenizer();
  std::vector<std::vector<int32_t>> rows;
  for (const auto& item : items) {
    const std::vector<int32_t> source = tok.encode(item.source);
    std::vector<std::vector<int32_t>> candidates;
    candidates.reserve(item.candidates.size());
    for (const auto& c : item.candidates) candidates.push_back(tok.encode(c));
    for (std::size_t a = 0; a < candidates.size(); ++a)
      for (std::size_t b = 0; b < candidates.size(); ++b)
        if (a != b) rows.push_back(tok.pair_row_from_ids(source, candidates[a], candidates[b]));
  }
  const std::vector<float> scores = score_pair_rows(ranker_, rows, batch_pairs_, kPairBatchTokens, share.part, share.parts);
  std::vector<std::vector<float>> out;
  out.reserve(items.size());
  std::size_t next = 0;
  for (const auto& item : items) {
    const std::size_t K = item.candidates.size();
    std::vector<float> M(K * K, 0.0f);
    for (std::size_t a = 0; a < K; ++a)
      for (std::size_t b = 0; b < K; ++b)
        if (a != b) M[a * K + b] = scores[next++];
    out.push_back(std::move(M));
  }
  return out;
}

}  // namespace sppo
