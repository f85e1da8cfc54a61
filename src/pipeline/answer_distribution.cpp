#include "pipeline/answer_distribution.hpp"

#include <ATen/ATen.h>

#include <cmath>

#include "model/causal_lm.hpp"
#include "model/policy_tokenizer.hpp"
#include "train/dataset.hpp"
#include "train/losses.hpp"

namespace sppo {

std::vector<double> answer_distribution(const std::string& policy_dir, const std::string& prompt,
                                        ChatTemplate chat_template, const std::vector<std::string>& answers) {
  const PolicyTokenizer tokenizer(policy_dir);
  const CausalLM model = CausalLM::load(policy_dir, at::kFloat);
  std::vector<TrainRow> rows;
  for (const auto& a : answers) {
    TrainRow row;
    row.prompt = tokenizer.prompt_ids(prompt, chat_template);
    row.response = tokenizer.response_ids(a);
    row.response.pop_back();  // no EOS: the answer is a prefix of the response
    rows.push_back(std::move(row));
  }
  std::vector<const TrainRow*> pointers;
  for (const auto& r : rows) pointers.push_back(&r);
  const TrainRows t = batch_tensors(pointers, std::vector<float>(rows.size(), 0.0f));
  const at::Tensor logp = response_logp(model.logits(t.ids, attention_from_mask(t.mask)), t.ids, t.mask, t.response_start);
  std::vector<double> p;
  for (std::size_t i = 0; i < answers.size(); ++i) p.push_back(std::exp(logp[static_cast<int64_t>(i)].item<double>()));
  return p;
}

}  // namespace sppo
