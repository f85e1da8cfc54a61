#pragma once
// defines: DebertaConfig, the DeBERTa-v2/v3 encoder and PairRM fields of a ranker's
// config.json (SPEC.md §4), and read_deberta_config, which validates them and refuses the
// features sppo does not implement (conv layers, absolute positions, token types, ...).
#include <cstdint>
#include <string>

namespace sppo {

struct DebertaConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t intermediate_size = 0;
  int64_t position_buckets = 256;
  int64_t max_relative_positions = -1;  // -1: max_position_embeddings
  int64_t max_position_embeddings = 512;
  bool c2p = true;  // pos_att_type holds "c2p"
  bool p2c = true;  // pos_att_type holds "p2c"
  bool norm_rel_ebd = true;  // "layer_norm"
  double layer_norm_eps = 1e-7;
  // PairRM
  int64_t cls_id = 1, sep_id = 2, pad_id = 0;
  int64_t source_prefix_id = 0, cand1_prefix_id = 0, cand2_prefix_id = 0;
  int64_t n_tasks = 1;

  int64_t head_dim() const { return hidden_size / num_heads; }
  int64_t max_relative() const { return max_relative_positions > 0 ? max_relative_positions : max_position_embeddings; }
  // 1 + one per relative term: the scores are divided by sqrt(head_dim x this).
  int64_t scale_factor() const { return 1 + (c2p ? 1 : 0) + (p2c ? 1 : 0); }
};

DebertaConfig read_deberta_config(const std::string& folder);
DebertaConfig parse_deberta_config(const std::string& json_text, const std::string& path);

}  // namespace sppo
