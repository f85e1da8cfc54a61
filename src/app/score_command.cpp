#include <ATen/ATen.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "io/json_fields.hpp"
#include "model/causal_lm.hpp"
#include "model/chat_format.hpp"
#include "train/dataset.hpp"
#include "train/rows_logp.hpp"

namespace sppo {
namespace {

// log p(response | prompt) of a batch of rows, with the training set's batching and sum
// (response tokens only, EOS included when present).
void score_batch(const CausalLM& model, const std::vector<TrainRow>& rows) {
  const std::vector<double> logp = rows_logp(model, rows);
  for (std::size_t b = 0; b < rows.size(); ++b)
    std::cout << nlohmann::json{{"logp", logp[b]},
                                {"tokens", static_cast<int64_t>(rows[b].response.size())}}
                     .dump()
              << "\n";
}

}  // namespace

int score_command(const CommandLine& cl) {
  const Config defaults = parse_config("", "<defaults>", cl.overrides);
  const std::string folder = *cl.flag("model"), input = *cl.flag("input");
  // --template as policy.chat_template (auto: the folder's own); checked by the config's rule.
  const std::string chat_template =
      parse_config("", "<defaults>", {{"policy.chat_template", cl.flag("template").value_or(defaults.policy.chat_template)}})
          .policy.chat_template;
  // The tokenizer and the chat format only when a line gives text: ids need neither.
  std::optional<PolicyTokenizer> tokenizer;
  std::optional<ChatFormat> format;
  auto text_format = [&]() -> const ChatFormat& {
    if (!format) {
      tokenizer.emplace(folder);
      format.emplace(ChatFormat::resolve(chat_template, defaults.policy.end_of_turn, *tokenizer));
    }
    return *format;
  };
  const CausalLM model = CausalLM::load(folder, defaults.policy.dtype == DType::bfloat16 ? at::kBFloat16 : at::kFloat);
  const int64_t vocab = model.config().vocab_size;

  // All lines are read and checked before anything is scored.
  std::vector<TrainRow> rows;
  for_each_json_line(input, [&](const std::string& at, const nlohmann::json& j) {
    TrainRow row;
    if (j.contains("prompt_ids") || j.contains("response_ids")) {
      row.prompt = json_token_ids(j, "prompt_ids", at, vocab);
      row.response = json_token_ids(j, "response_ids", at, vocab);
    } else {
      if (!j.contains("prompt") || !j["prompt"].is_string()) throw FormatError(at + ": field \"prompt\" must be a string");
      if (!j.contains("response") || !j["response"].is_string())
        throw FormatError(at + ": field \"response\" must be a string");
      row.prompt = text_format().prompt_ids(j["prompt"].get<std::string>());
      row.response = text_format().response_ids(j["response"].get<std::string>());
    }
    if (row.prompt.empty()) throw FormatError(at + ": the prompt needs at least one token");
    if (row.response.empty()) throw FormatError(at + ": the response is empty");
    rows.push_back(std::move(row));
  });
  constexpr std::size_t kBatch = 16;
  for (std::size_t i = 0; i < rows.size(); i += kBatch)
    score_batch(model, std::vector<TrainRow>(rows.begin() + i, rows.begin() + std::min(rows.size(), i + kBatch)));
  return 0;
}

}  // namespace sppo
