#include "pipeline/answer_distribution.hpp"

#include <ATen/ATen.h>

#include <cmath>

#include "model/causal_lm.hpp"
#include "model/chat_format.hpp"
#include "train/rows_logp.hpp"

namespace sppo {

std::vector<double> answer_distribution(const std::string& policy_dir, const std::string& prompt,
                                        const std::string& chat_template, const std::vector<std::string>& answers) {
  const PolicyTokenizer tokenizer(policy_dir);
  const ChatFormat format = ChatFormat::resolve(chat_template, std::nullopt, tokenizer);
  const CausalLM model = CausalLM::load(policy_dir, at::kFloat);
  std::vector<TrainRow> rows;
  for (const auto& a : answers) {
    TrainRow row;
    row.prompt = format.prompt_ids(prompt);
    row.response = tokenizer.encode(a);  // no end of turn: the answer is a prefix of the response
    rows.push_back(std::move(row));
  }
  std::vector<double> p = rows_logp(model, rows);
  for (double& v : p) v = std::exp(v);
  return p;
}

}  // namespace sppo
