#include "annotate/judge.hpp"

#include "annotate/pairrm_judge.hpp"
#include "annotate/synthetic_judge.hpp"

namespace sppo {

JudgeItem judge_item(const PolicyTokenizer& tokenizer, ChatTemplate chat_template, const std::vector<int32_t>& prompt,
                     const std::vector<const std::vector<int32_t>*>& responses) {
  JudgeItem item;
  item.source = (chat_template == ChatTemplate::mistral ? "<s>" : "") + tokenizer.decode(prompt);
  const int32_t eos = tokenizer.eos_id();
  for (const auto* response : responses) {
    std::vector<int32_t> ids = *response;
    if (!ids.empty() && ids.back() == eos) ids.pop_back();
    item.candidates.push_back(tokenizer.decode(ids));
  }
  return item;
}

std::unique_ptr<Judge> make_judge(const JudgeSpec& spec) {
  if (spec.ranker.type == RankerType::synthetic) return std::make_unique<SyntheticJudge>(spec.ranker);
  return std::make_unique<PairRmJudge>(spec.ranker.path, spec.ranker.dtype, spec.batch_pairs);
}

}  // namespace sppo
