#include "model/llama_config.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/json_fields.hpp"

namespace sppo {
namespace {

using json = nlohmann::json;

double real(const json& j, const std::string& key, const std::string& path, double fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) throw FormatError(path + ": " + key + " = " + it->dump() + ": expected a number");
  const double v = it->get<double>();
  if (!(v > 0)) throw FormatError(path + ": " + key + " = " + it->dump() + ": must be > 0");
  return v;
}

bool flag(const json& j, const std::string& key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) throw FormatError(path + ": " + key + " = " + it->dump() + ": expected true or false");
  return it->get<bool>();
}

}  // namespace

int64_t LlamaConfig::parameter_count() const {
  const int64_t attention = hidden_size * head_dim * (2 * num_heads + 2 * num_kv_heads);
  const int64_t mlp = 3 * hidden_size * intermediate_size;
  const int64_t embeddings = vocab_size * hidden_size * (tie_word_embeddings ? 1 : 2);
  return num_layers * (attention + mlp + 2 * hidden_size) + embeddings + hidden_size;
}

LlamaConfig parse_llama_config(const std::string& json_text, const std::string& path) {
  const json j = parse_json_object(json_text, path);
  LlamaConfig c;
  c.model_type = j.value("model_type", "");
  if (c.model_type != "llama" && c.model_type != "mistral")
    throw FormatError(path + ": model_type = \"" + c.model_type + "\": expected llama or mistral");
  const std::string act = j.value("hidden_act", "silu");
  if (act != "silu") throw FormatError(path + ": hidden_act = \"" + act + "\": only silu is implemented");
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
    throw FormatError(path + ": rope_scaling: not implemented (only plain RoPE)");

  constexpr int64_t kMaxDim = 1 << 17;
  c.vocab_size = json_integer(j, "vocab_size", path, 2, 1 << 22);
  c.hidden_size = json_integer(j, "hidden_size", path, 1, kMaxDim);
  c.num_layers = json_integer(j, "num_hidden_layers", path, 1, 4096);
  c.num_heads = json_integer(j, "num_attention_heads", path, 1, 4096);
  c.num_kv_heads = json_integer(j, "num_key_value_heads", path, 1, 4096, c.num_heads);
  if (c.num_heads % c.num_kv_heads != 0)
    throw FormatError(path + ": num_attention_heads = " + std::to_string(c.num_heads) +
                      " is not a multiple of num_key_value_heads = " + std::to_string(c.num_kv_heads));
  if (c.hidden_size % c.num_heads != 0 && !j.contains("head_dim"))
    throw FormatError(path + ": hidden_size is not a multiple of num_attention_heads and head_dim is not given");
  c.head_dim = json_integer(j, "head_dim", path, 2, 4096, c.hidden_size / c.num_heads);
  if (c.head_dim % 2 != 0) throw FormatError(path + ": head_dim = " + std::to_string(c.head_dim) + ": must be even (RoPE)");
  c.intermediate_size = json_integer(j, "intermediate_size", path, 1, 1 << 20);
  c.rope_theta = real(j, "rope_theta", path, 10000.0);
  c.rms_norm_eps = real(j, "rms_norm_eps", path, 1e-6);
  if (j.contains("sliding_window") && !j["sliding_window"].is_null())
    c.sliding_window = json_integer(j, "sliding_window", path, 1, int64_t{1} << 40);
  c.tie_word_embeddings = flag(j, "tie_word_embeddings", path);
  c.attention_bias = flag(j, "attention_bias", path);
  c.mlp_bias = flag(j, "mlp_bias", path);
  c.bos_token_id = json_integer(j, "bos_token_id", path, 0, c.vocab_size - 1, 1);
  if (j.contains("eos_token_id") && j["eos_token_id"].is_array() && !j["eos_token_id"].empty()) {
    json first = {{"eos_token_id", j["eos_token_id"][0]}};
    c.eos_token_id = json_integer(first, "eos_token_id", path, 0, c.vocab_size - 1);
  } else {
    c.eos_token_id = json_integer(j, "eos_token_id", path, 0, c.vocab_size - 1, 2);
  }
  c.max_position_embeddings = json_integer(j, "max_position_embeddings", path, 1, int64_t{1} << 40, 4096);
  // 10^12 parameters would need terabytes: a config like that is a mistake or an attack.
  if (c.parameter_count() > int64_t{1000000000000})
    throw FormatError(path + ": the sizes describe " + std::to_string(c.parameter_count()) +
                      " parameters, more than the 10^12 sppo accepts");
  return c;
}

LlamaConfig read_llama_config(const std::string& folder) {
  const std::string path = folder + "/config.json";
  return parse_llama_config(read_text_file(path), path);
}

}  // namespace sppo
