#include <ATen/ATen.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "io/json_fields.hpp"
#include "model/causal_lm.hpp"
#include "model/policy_tokenizer.hpp"

namespace sppo {
namespace {

struct ScoreRow {
  std::vector<int32_t> ids;  // prompt + response
  int64_t response_start = 0;
};

std::vector<int32_t> int_list(const nlohmann::json& j, const std::string& at, const char* field, int64_t vocab) {
  if (!j.is_array()) throw FormatError(at + ": field \"" + std::string(field) + "\" must be a list of token ids");
  std::vector<int32_t> ids;
  for (const auto& v : j) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= vocab)
      throw FormatError(at + ": field \"" + std::string(field) + "\" holds " + v.dump() + ", not a token id below " +
                        std::to_string(vocab));
    ids.push_back(v.get<int32_t>());
  }
  return ids;
}

// log p(response | prompt) of a batch of rows, right-padded: the sum of token log-probs at
// positions response_start .. end (EOS included when present).
void score_batch(const CausalLM& model, const std::vector<ScoreRow>& rows) {
  int64_t L = 0;
  for (const auto& r : rows) L = std::max<int64_t>(L, static_cast<int64_t>(r.ids.size()));
  const int64_t B = static_cast<int64_t>(rows.size());
  at::Tensor ids = at::zeros({B, L}, at::kLong), mask = at::zeros({B, L}, at::kLong);
  for (int64_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < rows[static_cast<std::size_t>(b)].ids.size(); ++t) {
      ids[b][static_cast<int64_t>(t)] = rows[static_cast<std::size_t>(b)].ids[t];
      mask[b][static_cast<int64_t>(t)] = 1;
    }
  const at::Tensor logp = token_logprobs(model.logits(ids, attention_from_mask(mask)), ids);
  for (int64_t b = 0; b < B; ++b) {
    const auto& r = rows[static_cast<std::size_t>(b)];
    const int64_t end = static_cast<int64_t>(r.ids.size());
    const double sum = logp[b].slice(0, r.response_start, end).sum().item<double>();
    std::cout << nlohmann::json{{"logp", sum}, {"tokens", end - r.response_start}}.dump() << "\n";
  }
}

}  // namespace

int score_command(const CommandLine& cl) {
  const Config defaults = parse_config("", "<defaults>", cl.overrides);
  const std::string folder = *cl.flag("model"), input = *cl.flag("input");
  ChatTemplate chat_template = defaults.policy.chat_template;
  if (auto t = cl.flag("template")) {
    if (*t == "mistral") chat_template = ChatTemplate::mistral;
    else if (*t == "none") chat_template = ChatTemplate::none;
    else throw ConfigError("sppo score: --template " + *t + ": expected mistral or none");
  }
  const PolicyTokenizer tokenizer(folder);
  const CausalLM model = CausalLM::load(folder, defaults.policy.dtype == DType::bfloat16 ? at::kBFloat16 : at::kFloat);
  const int64_t vocab = model.config().vocab_size;

  // All lines are read and checked before anything is scored.
  std::vector<ScoreRow> rows;
  for_each_json_line(input, [&](const std::string& at, const nlohmann::json& j) {
    ScoreRow row;
    if (j.contains("prompt_ids") || j.contains("response_ids")) {
      row.ids = int_list(j.value("prompt_ids", nlohmann::json()), at, "prompt_ids", vocab);
      const auto response = int_list(j.value("response_ids", nlohmann::json()), at, "response_ids", vocab);
      row.response_start = static_cast<int64_t>(row.ids.size());
      row.ids.insert(row.ids.end(), response.begin(), response.end());
    } else {
      if (!j.contains("prompt") || !j["prompt"].is_string()) throw FormatError(at + ": field \"prompt\" must be a string");
      if (!j.contains("response") || !j["response"].is_string())
        throw FormatError(at + ": field \"response\" must be a string");
      row.ids = tokenizer.prompt_ids(j["prompt"].get<std::string>(), chat_template);
      row.response_start = static_cast<int64_t>(row.ids.size());
      for (int32_t id : tokenizer.response_ids(j["response"].get<std::string>())) row.ids.push_back(id);
    }
    if (row.response_start < 1) throw FormatError(at + ": the prompt needs at least one token");
    if (static_cast<int64_t>(row.ids.size()) == row.response_start) throw FormatError(at + ": the response is empty");
    rows.push_back(std::move(row));
  });
  constexpr std::size_t kBatch = 16;
  for (std::size_t i = 0; i < rows.size(); i += kBatch)
    score_batch(model, std::vector<ScoreRow>(rows.begin() + i, rows.begin() + std::min(rows.size(), i + kBatch)));
  return 0;
}

}  // namespace sppo
