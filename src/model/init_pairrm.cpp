// The PairRM ranker init-model builds: LLM-Blender's DebertaV2PairRM (a DeBERTa-v3 encoder and
// its pairwise head) with a DeBERTa-v3-layout SentencePiece tokenizer; config.json carries every
// attribute that class reads (n_tasks, drop_out, the prefix ids) so that it loads the folder.
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "model/init_parts.hpp"

namespace sppo {
namespace {

std::vector<ParamSpec> pairrm_specs(const ModelArch& a, int64_t vocab) {
  const int64_t H = a.hidden_size, I = a.intermediate_size;
  const std::string enc = "pretrained_model.encoder.";
  std::vector<ParamSpec> s = {{"pretrained_model.embeddings.word_embeddings.weight", {vocab, H}},
                              {"pretrained_model.embeddings.LayerNorm.weight", {H}},
                              {"pretrained_model.embeddings.LayerNorm.bias", {H}}};
  for (int64_t l = 0; l < a.layers; ++l) {
    const std::string p = enc + "layer." + std::to_string(l) + ".";
    for (const char* proj : {"query_proj", "key_proj", "value_proj"}) {
      s.push_back({p + "attention.self." + proj + ".weight", {H, H}});
      s.push_back({p + "attention.self." + proj + ".bias", {H}});
    }
    s.push_back({p + "attention.output.dense.weight", {H, H}});
    s.push_back({p + "attention.output.dense.bias", {H}});
    s.push_back({p + "attention.output.LayerNorm.weight", {H}});
    s.push_back({p + "attention.output.LayerNorm.bias", {H}});
    s.push_back({p + "intermediate.dense.weight", {I, H}});
    s.push_back({p + "intermediate.dense.bias", {I}});
    s.push_back({p + "output.dense.weight", {H, I}});
    s.push_back({p + "output.dense.bias", {H}});
    s.push_back({p + "output.LayerNorm.weight", {H}});
    s.push_back({p + "output.LayerNorm.bias", {H}});
  }
  s.push_back({enc + "rel_embeddings.weight", {2 * a.position_buckets, H}});
  s.push_back({enc + "LayerNorm.weight", {H}});
  s.push_back({enc + "LayerNorm.bias", {H}});
  s.push_back({"head_layer.1.weight", {H, 2 * H}});
  s.push_back({"head_layer.1.bias", {H}});
  s.push_back({"head_layer.4.weight", {1, H}});
  s.push_back({"head_layer.4.bias", {1}});
  return s;
}

}  // namespace

BuiltModel build_pairrm(const ModelArch& a, const std::string& dir) {
  // DeBERTa-v3's layout: [PAD] 0, [CLS] 1, [SEP] 2, [UNK] 3.
  const int64_t pieces = train_sentencepiece(a, dir + "/spm",
                                             "--pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3 --pad_piece=[PAD] "
                                             "--bos_piece=[CLS] --eos_piece=[SEP] --unk_piece=[UNK]");
  // Added tokens after the SentencePiece pieces, as DeBERTa-v3 + PairRM number them.
  const int64_t mask = pieces, source = pieces + 1, cand1 = pieces + 2, cand2 = pieces + 3, cand = pieces + 4;
  const int64_t vocab = pieces + 5;
  const nlohmann::json config = {
      {"architectures", {"DebertaV2PairRM"}}, {"model_type", "deberta-v2"}, {"hidden_act", "gelu"},
      {"hidden_size", a.hidden_size}, {"intermediate_size", a.intermediate_size},
      {"num_hidden_layers", a.layers}, {"num_attention_heads", a.heads}, {"vocab_size", vocab},
      {"max_position_embeddings", a.max_position_embeddings}, {"max_relative_positions", -1},
      {"position_buckets", a.position_buckets}, {"relative_attention", true}, {"pos_att_type", {"p2c", "c2p"}},
      {"share_att_key", true}, {"norm_rel_ebd", "layer_norm"}, {"position_biased_input", false},
      {"type_vocab_size", 0}, {"layer_norm_eps", 1e-7}, {"pad_token_id", 0}, {"cls_token_id", 1},
      {"sep_token_id", 2}, {"source_prefix_id", source}, {"cand1_prefix_id", cand1}, {"cand2_prefix_id", cand2},
      {"cand_prefix_id", cand}, {"n_tasks", 1}, {"pooler_hidden_size", a.hidden_size}, {"pooler_dropout", 0},
      {"pooler_hidden_act", "gelu"}, {"drop_out", 0.05}, {"initializer_range", a.initializer_range}, {"torch_dtype", "float32"}};
  write_file_atomically(dir + "/config.json", config.dump(2) + "\n");
  write_file_atomically(dir + "/added_tokens.json",
             nlohmann::json{{"[MASK]", mask}, {"<|source|>", source}, {"<|candidate1|>", cand1},
                            {"<|candidate2|>", cand2}, {"<|candidate|>", cand}}.dump(2) + "\n");
  write_file_atomically(dir + "/special_tokens_map.json",
             nlohmann::json{{"bos_token", "[CLS]"}, {"cls_token", "[CLS]"}, {"eos_token", "[SEP]"},
                            {"mask_token", "[MASK]"}, {"pad_token", "[PAD]"}, {"sep_token", "[SEP]"},
                            {"unk_token", "[UNK]"}}.dump(2) + "\n");
  write_file_atomically(dir + "/tokenizer_config.json",
             nlohmann::json{{"tokenizer_class", "DebertaV2Tokenizer"}, {"do_lower_case", false},
                            {"split_by_punct", false}, {"vocab_type", "spm"}}.dump(2) + "\n");
  const auto tensors = draw_weights(a, pairrm_specs(a, vocab), 1.0f);
  return {write_weights(dir, tensors, {{"format", "pt"}, {"model", "DebertaV2PairRM"}}), vocab, fewer_pieces_notice(a, pieces)};
}


}  // namespace sppo
