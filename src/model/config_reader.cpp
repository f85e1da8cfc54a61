#include "model/config_reader.hpp"

#include <cmath>

#include "core/error.hpp"
#include "io/json_fields.hpp"

namespace sppo {

bool ConfigReader::has(const char* key) const {
  const auto it = json_.find(key);
  return it != json_.end() && !it->is_null();
}

int64_t ConfigReader::integer(const char* key, int64_t lo, int64_t hi, std::optional<int64_t> fallback) const {
  return json_integer(json_, key, path_, lo, hi, fallback);
}

double ConfigReader::positive(const char* key, double fallback) const {
  if (!has(key)) return fallback;
  const auto& v = json_.at(key);
  if (!v.is_number()) refuse(key, "expected a number");
  if (!(v.get<double>() > 0)) refuse(key, "must be > 0");
  return v.get<double>();
}

std::optional<double> ConfigReader::optional_positive(const char* key, std::optional<double> fallback) const {
  if (json_.contains(key) && json_.at(key).is_null()) return std::nullopt;
  if (!has(key)) return fallback;
  return positive(key, 0);
}

bool ConfigReader::flag(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  if (!json_.at(key).is_boolean()) refuse(key, "expected true or false");
  return json_.at(key).get<bool>();
}

std::string ConfigReader::text(const char* key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  if (!json_.at(key).is_string()) refuse(key, "expected a string");
  return json_.at(key).get<std::string>();
}

void ConfigReader::refuse(const char* key, const std::string& why) const {
  const std::string value = json_.contains(key) ? json_.at(key).dump() : "(missing)";
  throw FormatError(path_ + ": " + key + " = " + value + ": " + why);
}

void read_common_sizes(const ConfigReader& r, CausalLmConfig& c, double default_rope_theta, double default_eps) {
  constexpr int64_t kMaxDim = 1 << 17;
  const std::string& path = r.path();
  c.vocab_size = r.integer("vocab_size", 2, 1 << 22);
  c.hidden_size = r.integer("hidden_size", 1, kMaxDim);
  c.num_layers = r.integer("num_hidden_layers", 1, 4096);
  c.num_heads = r.integer("num_attention_heads", 1, 4096);
  c.num_kv_heads = r.integer("num_key_value_heads", 1, 4096, c.num_heads);
  if (c.num_heads % c.num_kv_heads != 0)
    throw FormatError(path + ": num_attention_heads = " + std::to_string(c.num_heads) +
                      " is not a multiple of num_key_value_heads = " + std::to_string(c.num_kv_heads));
  if (c.hidden_size % c.num_heads != 0 && !r.has("head_dim"))
    throw FormatError(path + ": hidden_size is not a multiple of num_attention_heads and head_dim is not given");
  c.head_dim = r.integer("head_dim", 2, 4096, c.hidden_size / c.num_heads);
  if (c.head_dim % 2 != 0) throw FormatError(path + ": head_dim = " + std::to_string(c.head_dim) + ": must be even (RoPE)");
  c.intermediate_size = r.integer("intermediate_size", 1, 1 << 20);
  c.rope_theta = r.positive("rope_theta", default_rope_theta);
  c.rms_norm_eps = r.positive("rms_norm_eps", default_eps);
  c.max_position_embeddings = r.integer("max_position_embeddings", 1, int64_t{1} << 40, 4096);
  c.bos_token_id = r.integer("bos_token_id", 0, c.vocab_size - 1, 1);
  if (r.has("eos_token_id") && r.at("eos_token_id").is_array() && !r.at("eos_token_id").empty()) {
    const nlohmann::json first = {{"eos_token_id", r.at("eos_token_id")[0]}};
    c.eos_token_id = json_integer(first, "eos_token_id", path, 0, c.vocab_size - 1);
  } else {
    c.eos_token_id = r.integer("eos_token_id", 0, c.vocab_size - 1, 2);
  }
  c.attention_scale = 1.0 / std::sqrt(static_cast<double>(c.head_dim));
  c.layer_window.assign(static_cast<std::size_t>(c.num_layers), std::nullopt);
}

void read_rope_scaling(const ConfigReader& r, CausalLmConfig& c) {
  if (!r.has("rope_scaling")) return;
  const auto& s = r.at("rope_scaling");
  if (!s.is_object()) r.refuse("rope_scaling", "expected an object or null");
  const std::string type = s.contains("rope_type") ? s["rope_type"].get<std::string>() : s.value("type", "");
  const ConfigReader fields(s, r.path() + ": rope_scaling");
  if (type == "default") return;
  if (type == "linear") {
    c.rope_scaling = RopeScaling::linear;
    c.rope_factor = fields.positive("factor", 1.0);
    return;
  }
  if (type == "llama3") {
    c.rope_scaling = RopeScaling::llama3;
    c.rope_factor = fields.positive("factor", 8.0);
    c.rope_low_freq_factor = fields.positive("low_freq_factor", 1.0);
    c.rope_high_freq_factor = fields.positive("high_freq_factor", 4.0);
    c.rope_original_max_positions = fields.integer("original_max_position_embeddings", 1, int64_t{1} << 40, 8192);
    if (!(c.rope_high_freq_factor > c.rope_low_freq_factor))
      fields.refuse("high_freq_factor", "must exceed low_freq_factor");
    return;
  }
  throw FormatError(r.path() + ": rope_scaling.rope_type = \"" + type + "\": not implemented (llama3 and linear are)");
}

void expect_activation(const ConfigReader& r, const char* key, const std::string& expected) {
  const std::string act = r.text(key, expected);
  if (act != expected) throw FormatError(r.path() + ": " + key + " = \"" + act + "\": only " + expected + " is implemented for this family");
}

}  // namespace sppo
