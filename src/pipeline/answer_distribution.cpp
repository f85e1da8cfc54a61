#include "pipeline/answer_distribution.hpp"

#include <ATen/ATen.h>

#include <cmath>

#include "model/causal_lm.hpp"
#include "model/policy_tokenizer.hpp"
#include "train/rows_logp.hpp"

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
  std::vector<double> p = rows_logp(model, rows);
  for (double& v : p) v = std::exp(v);
  return p;
}

}  // namespace sppo
