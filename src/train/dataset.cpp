#include "train/dataset.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "annotate/win_rates.hpp"
#include "core/error.hpp"
#include "io/json_fields.hpp"
#include "io/prompts.hpp"
#include "io/samples_file.hpp"
#include "model/chat_format.hpp"
#include "model/jinja_error.hpp"
#include "train/losses.hpp"

namespace sppo {
namespace {

// The targets a pair's rows carry (LossProperties::target): their own win rates, or P[w,l]
// on the chosen row and 1 − P[w,l] on the rejected one.
TrainExample pair_example(LossKind loss, TrainRow chosen, TrainRow rejected, float p_win, float p_lose, float p_wl) {
  if (loss_properties(loss).target == RowTarget::pair_probability) {
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

int64_t TrainSet::rows() const {
  int64_t n = 0;
  for (const auto& e : examples) n += static_cast<int64_t>(e.rows.size());
  return n;
}

std::vector<TrainRow*> TrainSet::all_rows() {
  std::vector<TrainRow*> out;
  for (auto& e : examples)
    for (auto& r : e.rows) out.push_back(&r);
  return out;
}

std::vector<const TrainRow*> TrainSet::all_rows() const {
  std::vector<const TrainRow*> out;
  for (const auto& e : examples)
    for (const auto& r : e.rows) out.push_back(&r);
  return out;
}

TrainRows batch_tensors(const std::vector<const TrainRow*>& rows) {
  TrainRows out;
  const int64_t B = static_cast<int64_t>(rows.size());
  int64_t L = 1;
  for (const TrainRow* r : rows) L = std::max<int64_t>(L, static_cast<int64_t>(r->prompt.size() + r->response.size()));
  out.ids = at::zeros({B, L}, at::kLong);
  out.mask = at::zeros({B, L}, at::kLong);
  out.response_start = at::zeros({B}, at::kLong);
  out.ref_logp = at::zeros({B}, at::kFloat);
  out.win_prob = at::zeros({B}, at::kFloat);
  // Filled through host pointers: these tensors are built on the CPU, then moved as a whole.
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
    ref[b] = r.ref_logp;
    win[b] = r.win_prob;
  }
  return out;
}

TrainRow truncated_row(std::vector<int32_t> prompt, std::vector<int32_t> response, float win_prob, int64_t max_length,
                       int64_t max_prompt_length) {
  prompt = truncate_prompt(std::move(prompt), max_prompt_length);
  const int64_t room = max_length - static_cast<int64_t>(prompt.size());
  if (static_cast<int64_t>(response.size()) > room) response.resize(static_cast<std::size_t>(std::max<int64_t>(room, 0)));
  return {std::move(prompt), std::move(response), win_prob};
}

TrainSet train_set_from_samples(const std::string& samples_path, const TrainSetSpec& spec) {
  if (!loss_properties(spec.loss).from_samples)
    throw ConfigError("train.loss = " + to_string(spec.loss) +
                      " trains on demonstrations: set train.data to a JSONL of {prompt, response}");
  const SamplesFile file = SamplesFile::open(samples_path, SamplesFile::Access::read_only, RankGroup::serial());
  const SamplesTable t = file.read_table();
  for (const auto& [stage, progress] : {std::pair{"generate", &t.generated}, std::pair{"annotate", &t.annotated}})
    if (!progress->complete())
      throw FormatError(samples_path + ": the " + std::string(stage) + " stage is not complete: run sppo " + stage + " first");
  const bool have_reference = t.referenced.complete();
  const int64_t K = t.shape.samples;
  TrainSet set;
  for (int64_t n = 0; n < t.shape.prompts; ++n) {
    const std::vector<int32_t>& prompt = t.rows.prompts[static_cast<std::size_t>(n)];
    auto row = [&](int64_t k) {
      const std::size_t at = static_cast<std::size_t>(n * K + k);
      TrainRow r = truncated_row(prompt, t.rows.responses[at], t.winrate[at], spec.max_length, spec.max_prompt_length);
      r.ref_logp = t.reference_logp[at];
      r.has_ref = have_reference;
      return r;
    };
    if (loss_properties(spec.loss).rows_per_example == 1) {
      for (int64_t k = 0; k < K; ++k) set.examples.push_back({{row(k)}});
      continue;
    }
    const float* logits = t.logits.data() + n * K * K;
    const std::vector<double> s = pairrm_scores(logits, K);
    const auto w = std::max_element(s.begin(), s.end()) - s.begin();
    const auto l = std::min_element(s.begin(), s.end()) - s.begin();
    if (s[static_cast<std::size_t>(w)] == s[static_cast<std::size_t>(l)]) {
      ++set.skipped_ties;
      continue;
    }
    const double p_wl = pair_probability(logits, K, s, w, l, spec.winrate);
    TrainRow chosen = row(w), rejected = row(l);
    const float p_win = chosen.win_prob, p_lose = rejected.win_prob;
    set.examples.push_back(pair_example(spec.loss, std::move(chosen), std::move(rejected), p_win, p_lose, static_cast<float>(p_wl)));
  }
  return set;
}

TrainSet train_set_from_jsonl(const std::string& path, const TrainSetSpec& spec, const PolicyTokenizer& tokenizer) {
  const LossProperties& loss = loss_properties(spec.loss);
  if (!loss.from_jsonl) throw ConfigError("train.loss = " + to_string(spec.loss) + " cannot be trained from a JSONL");
  // The chat format only when a line gives text: ids lines are used as they are.
  std::optional<ChatFormat> format;
  auto text_format = [&]() -> const ChatFormat& {
    if (!format) format.emplace(ChatFormat::resolve(spec.chat_template, spec.end_of_turn, tokenizer));
    return *format;
  };
  const int64_t vocab = spec.vocab_size > 0 ? spec.vocab_size : tokenizer.vocab_size();
  auto templated = [&](const nlohmann::json& j, const std::string& at) {
    if (j.contains("prompt_ids")) return json_token_ids(j, "prompt_ids", at, vocab);
    if (!j.contains("prompt")) throw FormatError(at + ": field \"prompt\" (or \"prompt_ids\") is missing");
    try {  // a message list is rendered as it is; its last turn must be the user's
      if (j["prompt"].is_array()) return text_format().conversation_ids(nlohmann::ordered_json::parse(j["prompt"].dump()));
      return text_format().prompt_ids(text_of(j["prompt"], at, "prompt", false));
    } catch (const TemplateError& e) {
      throw FormatError(at + ": field \"prompt\": " + e.what());
    }
  };
  // A response as ids (<field>_ids, used as given) or text (<field>, end-of-turn appended).
  auto response = [&](const nlohmann::json& j, const std::string& at, const std::string& field) {
    const std::string ids_field = field + "_ids";
    if (j.contains(ids_field)) return json_token_ids(j, ids_field.c_str(), at, vocab);
    if (!j.contains(field))
      throw FormatError(at + ": field \"" + field + "\" (or \"" + ids_field + "\") is missing");
    return text_format().response_ids(text_of(j[field], at, field.c_str(), true));
  };
  auto row = [&](const std::vector<int32_t>& prompt, std::vector<int32_t> ids, float p) {
    return truncated_row(prompt, std::move(ids), p, spec.max_length, spec.max_prompt_length);
  };
  TrainSet set;
  for_each_json_line(path, [&](const std::string& at, const nlohmann::json& j) {
    const auto prompt_ids = templated(j, at);
    if (loss.rows_per_example == 1) {  // one sample a line: sft demonstrations, sppo_all with its win rate
      const float p = loss.target == RowTarget::own_winrate ? probability(j, at, "winrate") : 0.5f;
      set.examples.push_back({{row(prompt_ids, response(j, at, "response"), p)}});
      return;
    }
    std::vector<int32_t> chosen = response(j, at, "chosen"), rejected = response(j, at, "rejected");
    const bool needs_rates = loss.target == RowTarget::own_winrate;
    const bool needs_pair_prob = loss.target == RowTarget::pair_probability;
    const float p_win = needs_rates ? probability(j, at, "chosen_probs_win") : 0.5f;
    const float p_lose = needs_rates ? probability(j, at, "chosen_probs_lose") : 0.5f;
    const float p_wl = needs_pair_prob ? probability(j, at, "chosen_probs") : 0.5f;
    set.examples.push_back(pair_example(spec.loss, row(prompt_ids, std::move(chosen), p_win),
                                        row(prompt_ids, std::move(rejected), p_lose), p_win, p_lose, p_wl));
  });
  if (set.examples.empty()) throw FormatError(path + ": no training examples");
  return set;
}

}  // namespace sppo
