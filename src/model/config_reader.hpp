#pragma once
// defines: sppo::ConfigReader, the checked reads a family's config.json reader is written in:
// one key at a time, its type and range, and the refusal of a value sppo does not implement,
// each error naming the file and the key. The sizes every decoder-only family shares are read
// by read_common_sizes.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "model/causal_lm_config.hpp"

namespace sppo {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& json, std::string path) : json_(json), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  bool has(const char* key) const;  // present and not null
  const nlohmann::json& at(const char* key) const { return json_.at(key); }
  // In [lo, hi]; `fallback` when absent or null (else "<path>: <key> is missing").
  int64_t integer(const char* key, int64_t lo, int64_t hi, std::optional<int64_t> fallback = std::nullopt) const;
  // > 0.
  double positive(const char* key, double fallback) const;
  std::optional<double> optional_positive(const char* key, std::optional<double> fallback) const;
  bool flag(const char* key, bool fallback) const;
  std::string text(const char* key, const std::string& fallback) const;
  // FormatError "<path>: <key> = <value>: <why>".
  [[noreturn]] void refuse(const char* key, const std::string& why) const;

 private:
  const nlohmann::json& json_;
  std::string path_;
};

// vocab_size, hidden_size, num_hidden_layers, num_attention_heads, num_key_value_heads,
// head_dim (default hidden / heads), intermediate_size, rms_norm_eps, rope_theta,
// max_position_embeddings, bos/eos token ids (eos may be a list: its first); attention scale
// head_dim^−½ and no sliding window on any layer.
void read_common_sizes(const ConfigReader& r, CausalLmConfig& c, double default_rope_theta, double default_eps);

// rope_scaling: null, {"rope_type" (or "type"): "llama3", factor, low_freq_factor,
// high_freq_factor, original_max_position_embeddings} or {"rope_type": "linear", factor}; any
// other type is refused naming it.
void read_rope_scaling(const ConfigReader& r, CausalLmConfig& c);

// The activation key must name `expected` (HF spelling, e.g. "silu"); else refused.
void expect_activation(const ConfigReader& r, const char* key, const std::string& expected);

}  // namespace sppo
