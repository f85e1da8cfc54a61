#pragma once
// defines: PairRmJudge, the PairRM ranker behind the Judge interface: each candidate is
// encoded once per prompt, every ordered pair of every item becomes one PairRM row, and
// the rows of all items are scored together in length-sorted batches.
#include "annotate/judge.hpp"
#include "model/pairrm.hpp"

namespace sppo {

class PairRmJudge final : public Judge {
 public:
  PairRmJudge(const std::string& folder, DType dtype, int64_t batch_pairs, c10::Device device = c10::Device(c10::kCPU));
  using Judge::logit_matrices;
  std::vector<std::vector<float>> logit_matrices(const std::vector<JudgeItem>& items, JudgeShare share) const override;
  int64_t fingerprint() const override { return fingerprint_; }
  std::string describe() const override { return "PairRM " + folder_; }

 private:
  std::string folder_;
  PairRanker ranker_;
  int64_t batch_pairs_;
  int64_t fingerprint_;
};

}  // namespace sppo
