#include "annotate/judge.hpp"

#include <algorithm>

#include "annotate/pairrm_judge.hpp"
#include "annotate/synthetic_judge.hpp"

namespace sppo {

JudgeItem judge_item(const ChatFormat& format, const std::vector<int32_t>& prompt,
                     const std::vector<const std::vector<int32_t>*>& responses) {
  JudgeItem item;
  item.source = format.judge_source(prompt);
  const PolicyTokenizer& tokenizer = format.tokenizer();
  const auto& stops = tokenizer.stop_ids();
  auto ends_turn = [&](int32_t id) {
    return id == format.end_of_turn_id() || id == tokenizer.eos_id() || std::find(stops.begin(), stops.end(), id) != stops.end();
  };
  for (const auto* response : responses) {
    std::vector<int32_t> ids = *response;
    if (!ids.empty() && ends_turn(ids.back())) ids.pop_back();
    item.candidates.push_back(tokenizer.decode(ids));
  }
  return item;
}

std::unique_ptr<Judge> make_judge(const JudgeSpec& spec, c10::Device device) {
  if (spec.ranker.type == RankerType::synthetic) return std::make_unique<SyntheticJudge>(spec.ranker);
  return std::make_unique<PairRmJudge>(spec.ranker.path, spec.ranker.dtype, spec.batch_pairs, device);
}

}  // namespace sppo
