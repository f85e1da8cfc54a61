#include "model/architectures.hpp"

#include <cmath>

#include "core/error.hpp"
#include "io/json_fields.hpp"

namespace sppo {

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> registry{
      {"llama", "LlamaForCausalLM", read_llama_family},
      {"mistral", "MistralForCausalLM", read_llama_family},
      {"qwen2", "Qwen2ForCausalLM", read_qwen2_family},
      {"qwen3", "Qwen3ForCausalLM", read_qwen3_family},
      {"gemma2", "Gemma2ForCausalLM", read_gemma2_family},
  };
  return registry;
}

const Architecture* find_architecture(const std::string& model_type) {
  for (const auto& a : architectures())
    if (model_type == a.model_type) return &a;
  return nullptr;
}

std::string architecture_names() {
  std::string names;
  for (const auto& a : architectures()) names += (names.empty() ? "" : ", ") + std::string(a.model_type);
  return names;
}

double CausalLmConfig::score_scale() const {
  return attention_scale > 0 ? attention_scale : 1.0 / std::sqrt(static_cast<double>(head_dim));
}

std::optional<int64_t> CausalLmConfig::window(int64_t layer) const {
  return layer >= 0 && layer < static_cast<int64_t>(layer_window.size()) ? layer_window[static_cast<std::size_t>(layer)]
                                                                         : std::nullopt;
}

bool CausalLmConfig::any_sliding_window() const {
  for (const auto& w : layer_window)
    if (w) return true;
  return false;
}

int64_t CausalLmConfig::parameter_count() const {
  const int64_t attention = hidden_size * head_dim * (2 * num_heads + 2 * num_kv_heads);
  const int64_t mlp = 3 * hidden_size * intermediate_size;
  const int64_t norms = (sandwich_norms ? 4 : 2) * hidden_size + (qk_norm ? 2 * head_dim : 0);
  const int64_t embeddings = vocab_size * hidden_size * (tie_word_embeddings ? 1 : 2);
  return num_layers * (attention + mlp + norms) + embeddings + hidden_size;
}

CausalLmConfig parse_causal_lm_config(const std::string& json_text, const std::string& path) {
  const nlohmann::json j = parse_json_object(json_text, path);
  const std::string model_type = j.value("model_type", "");
  const Architecture* arch = find_architecture(model_type);
  if (!arch) throw FormatError(path + ": model_type = \"" + model_type + "\": expected one of " + architecture_names());
  CausalLmConfig c = arch->read(ConfigReader(j, path));
  c.model_type = model_type;
  // 10^12 parameters would need terabytes: a config like that is a mistake or an attack.
  if (c.parameter_count() > int64_t{1000000000000})
    throw FormatError(path + ": the sizes describe " + std::to_string(c.parameter_count()) +
                      " parameters, more than the 10^12 sppo accepts");
  return c;
}

CausalLmConfig read_causal_lm_config(const std::string& folder) {
  const std::string path = folder + "/config.json";
  return parse_causal_lm_config(read_text_file(path), path);
}

}  // namespace sppo
