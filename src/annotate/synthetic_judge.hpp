#pragma once
// defines: SyntheticJudge, a ranker given by a rule over the response text instead of a
// network (ranker.type = synthetic): for tests, the Nash-equilibrium test and the demo of a
// judge whose preferences are known exactly.
//   matrix:  the response (trimmed) is one of ranker.answers; P(a beats b) = matrix[a][b];
//            an answer beats anything outside the set with P = 1, two outsiders tie.
//   length:  logit = scale * (words(a) - words(b)): longer wins.
//   keyword: logit = scale * (hits(a) - hits(b)), hits = words of the response (lower-cased,
//            punctuation stripped) that are in ranker.keywords.
// Logits are logit(P) = log(P / (1 - P)), P clamped to [1e-6, 1 - 1e-6], so that the direct
// win-rate aggregation σ((M[a,b] − M[b,a]) / 2) gives back P exactly.
#include <set>
#include <string>

#include "annotate/judge.hpp"

namespace sppo {

class SyntheticJudge final : public Judge {
 public:
  explicit SyntheticJudge(RankerConfig config);
  using Judge::logit_matrices;
  std::vector<std::vector<float>> logit_matrices(const std::vector<JudgeItem>& items, JudgeShare share) const override;
  int64_t fingerprint() const override;
  std::string describe() const override;

  // The logit that `a` beats `b` under the rule.
  double logit(const std::string& a, const std::string& b) const;
  // Index into ranker.answers of a response, or -1 when it is none of them.
  int64_t answer_index(const std::string& response) const;

 private:
  RankerConfig config_;
  std::set<std::string> liked_;  // ranker.keywords, normalised once
};

}  // namespace sppo
