#include "train/dataset.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "annotate/win_rates.hpp"
#include "core/error.hpp"
#include "io/json_fields.hpp"
#include "io/samples_schema.hpp"

namespace sppo {
namespace {

// The pair rows of each loss: sppo carries each response's own win rate; sppo_single carries
// P[w,l] on the chosen row and 1 − P[w,l] on the rejected one; dpo and ipo use no target.
TrainExample pair_example(const Config& config, TrainRow chosen, TrainRow rejected, float p_win, float p_lose, float p_wl) {
  if (config.train.loss == LossKind::sppo_single) {
    chosen.win_prob = p_wl;
    rejected.win_prob = 1.0f - p_wl;
  } else {
    chosen.win_prob = p_win;
    rejected.win_prob = p_lose;
  }
  return {{std::move(chosen), std::move(rejected)}};
}

// A message list's last entry must be the assistant's; a string is used as it is.
std::string text_of(const nlohmann::json& value, const std::string& at, const char* field, bool last_is_assistant) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array() && !value.empty()) {
    const auto& pick = last_is_assistant ? value.back() : value.front();
    if (pick.is_object() && pick.contains("content") && pick["content"].is_string()) {
      if (last_is_assistant && pick.value("role", "") != "assistant")
        throw FormatError(at + ": field \"" + std::string(field) + "\": the last message is not the assistant's");
      return pick["content"].get<std::string>();
    }
  }
  throw FormatError(at + ": field \"" + std::string(field) + "\" must be a string or a list of {role, content} messages");
}

float probability(const nlohmann::json& j, const std::string& at, const char* field) {
  if (!j.contains(field) || !j[field].is_number()) throw FormatError(at + ": field \"" + std::string(field) + "\" must be a number");
  const double p = j[field].get<double>();
  if (!(p >= 0 && p <= 1)) throw FormatError(at + ": field \"" + std::string(field) + "\" = " + j[field].dump() + ": must be in [0, 1]");
  return static_cast<float>(p);
}

}  // namespace

TrainRows batch_tensors(const std::vector<const TrainRow*>& rows, const std::vector<float>& ref_logp) {
  TrainRows out;
  const int64_t B = static_cast<int64_t>(rows.size());
  int64_t L = 1;
  for (const TrainRow* r : rows) L = std::max<int64_t>(L, static_cast<int64_t>(r->prompt.size() + r->response.size()));
  out.ids = at::zeros({B, L}, at::kLong);
  out.mask = at::zeros({B, L}, at::kLong);
  out.response_start = at::zeros({B}, at::kLong);
  out.ref_logp = at::zeros({B}, at::kFloat);
  out.win_prob = at::zeros({B}, at::kFloat);
  int64_t* ids = out.ids.data_ptr<int64_t>();
  int64_t* mask = out.mask.data_ptr<int64_t>();
  int64_t* start = out.response_start.data_ptr<int64_t>();
  float* ref = out.ref_logp.data_ptr<float>();
  float* win = out.win_prob.data_ptr<float>();
  for (int64_t b = 0; b < B; ++b) {
    const TrainRow& r = *rows[static_cast<std::size_t>(b)];
    int64_t t = 0;
    for (int32_t id : r.prompt) ids[b * L + t] = id, mask[b * L + t++] = 1;
    start[b] = static_cast<int64_t>(r.prompt.size());
    for (int32_t id : r.response) ids[b * L + t] = id, mask[b * L + t++] = 1;
    ref[b] = ref_logp[static_cast<std::size_t>(b)];
    win[b] = r.win_prob;
  }
  return out;
}

TrainRow truncated_row(std::vector<int32_t> prompt, std::vector<int32_t> response, float win_prob, int64_t max_length,
                       int64_t max_prompt_length) {
  if (static_cast<int64_t>(prompt.size()) > max_prompt_length) {
    std::vector<int32_t> kept{prompt.front()};
    kept.insert(kept.end(), prompt.end() - (max_prompt_length - 1), prompt.end());
    prompt = std::move(kept);
  }
  const int64_t room = max_length - static_cast<int64_t>(prompt.size());
  if (static_cast<int64_t>(response.size()) > room) response.resize(static_cast<std::size_t>(std::max<int64_t>(room, 0)));
  return {std::move(prompt), std::move(response), win_prob};
}

TrainSet train_set_from_samples(const std::string& samples_path, const Config& config) {
  if (config.train.loss == LossKind::sft)
    throw ConfigError(config.source + ": train.loss = sft trains on demonstrations: set train.data to a JSONL of {prompt, response}");
  SamplesShape shape;
  const h5::File file = open_samples_file(samples_path, false, MPI_COMM_NULL, &shape);
  for (const char* stage : {"generate", "annotate"}) {
    const auto flags = file.open_dataset(std::string(samples::kProgressPrefix) + stage).read_all<uint8_t>();
    if (std::count(flags.begin(), flags.end(), uint8_t{1}) != shape.chunks())
      throw FormatError(samples_path + ": the " + std::string(stage) + " stage is not complete: run sppo " + stage + " first");
  }
  const int64_t K = shape.samples, Lp = shape.max_prompt_tokens, Lr = shape.max_response_tokens;
  const auto p_tok = file.open_dataset(samples::kPromptTokens).read_all<int32_t>();
  const auto p_len = file.open_dataset(samples::kPromptLength).read_all<int32_t>();
  const auto r_tok = file.open_dataset(samples::kResponseTokens).read_all<int32_t>();
  const auto r_len = file.open_dataset(samples::kResponseLength).read_all<int32_t>();
  const auto logits = file.open_dataset(samples::kPairrmLogits).read_all<float>();
  const auto winrate = file.open_dataset(samples::kPairrmWinrate).read_all<float>();
  const auto reference_done = file.open_dataset(std::string(samples::kProgressPrefix) + "reference").read_all<uint8_t>();
  const bool have_reference = std::count(reference_done.begin(), reference_done.end(), uint8_t{1}) == shape.chunks();
  const auto reference = file.open_dataset(samples::kReferenceLogp).read_all<float>();
  TrainSet set;
  for (int64_t n = 0; n < shape.prompts; ++n) {
    const std::vector<int32_t> prompt(p_tok.begin() + n * Lp, p_tok.begin() + n * Lp + p_len[static_cast<std::size_t>(n)]);
    auto row = [&](int64_t k) {
      const int64_t at = (n * K + k) * Lr;
      std::vector<int32_t> response(r_tok.begin() + at, r_tok.begin() + at + r_len[static_cast<std::size_t>(n * K + k)]);
      TrainRow r = truncated_row(prompt, std::move(response), winrate[static_cast<std::size_t>(n * K + k)],
                                 config.train.max_length, config.train.max_prompt_length);
      r.ref_logp = reference[static_cast<std::size_t>(n * K + k)];
      r.has_ref = have_reference;
      return r;
    };
    if (config.train.loss == LossKind::sppo_all) {
      for (int64_t k = 0; k < K; ++k) set.examples.push_back({{row(k)}});
      continue;
    }
    const std::vector<double> s = pairrm_scores(logits.data() + n * K * K, K);
    const auto w = std::max_element(s.begin(), s.end()) - s.begin();
    const auto l = std::min_element(s.begin(), s.end()) - s.begin();
    if (s[static_cast<std::size_t>(w)] == s[static_cast<std::size_t>(l)]) {
      ++set.skipped_ties;
      continue;
    }
    const double p_wl = pair_probability(logits.data() + n * K * K, K, s, w, l, config.annotate.winrate);
    TrainRow chosen = row(w), rejected = row(l);
    const float p_win = chosen.win_prob, p_lose = rejected.win_prob;
    set.examples.push_back(pair_example(config, std::move(chosen), std::move(rejected), p_win, p_lose, static_cast<float>(p_wl)));
  }
  return set;
}

TrainSet train_set_from_jsonl(const std::string& path, const Config& config, const PolicyTokenizer& tokenizer) {
  if (config.train.loss == LossKind::sppo_all)
    throw ConfigError(config.source + ": train.loss = sppo_all needs every sample: train it from a samples.h5, not a JSONL of pairs");
  TrainSet set;
  for_each_json_line(path, [&](const std::string& at, const nlohmann::json& j) {
    if (config.train.loss == LossKind::sft) {  // demonstrations: {prompt, response}
      for (const char* field : {"prompt", "response"})
        if (!j.contains(field)) throw FormatError(at + ": field \"" + std::string(field) + "\" is missing");
      set.examples.push_back({{truncated_row(tokenizer.prompt_ids(text_of(j["prompt"], at, "prompt", false), config.policy.chat_template),
                                             tokenizer.response_ids(text_of(j["response"], at, "response", true)), 0.5f,
                                             config.train.max_length, config.train.max_prompt_length)}});
      return;
    }
    for (const char* field : {"prompt", "chosen", "rejected"})
      if (!j.contains(field)) throw FormatError(at + ": field \"" + std::string(field) + "\" is missing");
    const std::string prompt = text_of(j["prompt"], at, "prompt", false);
    const std::string chosen = text_of(j["chosen"], at, "chosen", true);
    const std::string rejected = text_of(j["rejected"], at, "rejected", true);
    const bool needs_rates = config.train.loss == LossKind::sppo;
    const bool needs_pair_prob = config.train.loss == LossKind::sppo_single;
    const float p_win = needs_rates ? probability(j, at, "chosen_probs_win") : 0.5f;
    const float p_lose = needs_rates ? probability(j, at, "chosen_probs_lose") : 0.5f;
    const float p_wl = needs_pair_prob ? probability(j, at, "chosen_probs") : 0.5f;
    const auto prompt_ids = tokenizer.prompt_ids(prompt, config.policy.chat_template);
    set.examples.push_back(pair_example(
        config, truncated_row(prompt_ids, tokenizer.response_ids(chosen), p_win, config.train.max_length, config.train.max_prompt_length),
        truncated_row(prompt_ids, tokenizer.response_ids(rejected), p_lose, config.train.max_length, config.train.max_prompt_length),
        p_win, p_lose, p_wl));
  });
  if (set.examples.empty()) throw FormatError(path + ": no training examples");
  return set;
}

}  // namespace sppo
