#include "model/deberta_config.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "io/json_fields.hpp"

namespace sppo {
namespace {

using json = nlohmann::json;

void refuse(const json& j, const char* key, const std::string& path, const json& supported, const std::string& why) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null() && *it != supported)
    throw FormatError(path + ": " + key + " = " + it->dump() + ": " + why);
}

}  // namespace

DebertaConfig parse_deberta_config(const std::string& json_text, const std::string& path) {
  const json j = parse_json_object(json_text, path);
  const std::string type = j.value("model_type", "");
  if (type != "deberta-v2") throw FormatError(path + ": model_type = \"" + type + "\": expected deberta-v2 (PairRM)");
  refuse(j, "conv_kernel_size", path, 0, "convolution layers are not implemented");
  refuse(j, "position_biased_input", path, false, "absolute position embeddings are not implemented");
  refuse(j, "type_vocab_size", path, 0, "token type embeddings are not implemented");
  refuse(j, "relative_attention", path, true, "only relative attention is implemented");
  refuse(j, "share_att_key", path, true, "only share_att_key = true (DeBERTa-v3) is implemented");
  refuse(j, "hidden_act", path, "gelu", "only the exact gelu is implemented");
  if (j.contains("embedding_size") && !j["embedding_size"].is_null() && j["embedding_size"] != j.value("hidden_size", json()))
    throw FormatError(path + ": embedding_size differs from hidden_size: embedding projection is not implemented");

  DebertaConfig c;
  c.vocab_size = json_integer(j, "vocab_size", path, 2, 1 << 22);
  c.hidden_size = json_integer(j, "hidden_size", path, 1, 1 << 16);
  c.num_layers = json_integer(j, "num_hidden_layers", path, 1, 1024);
  c.num_heads = json_integer(j, "num_attention_heads", path, 1, 1024);
  if (c.hidden_size % c.num_heads != 0) throw FormatError(path + ": hidden_size is not a multiple of num_attention_heads");
  c.intermediate_size = json_integer(j, "intermediate_size", path, 1, 1 << 20);
  c.position_buckets = json_integer(j, "position_buckets", path, 1, 1 << 16, 256);
  c.max_position_embeddings = json_integer(j, "max_position_embeddings", path, 2, 1 << 24, 512);
  c.max_relative_positions = json_integer(j, "max_relative_positions", path, -1, 1 << 24, -1);
  if (c.max_relative() <= c.position_buckets / 2 + 1)
    throw FormatError(path + ": max_relative_positions must exceed position_buckets / 2 + 1 for log buckets");
  c.c2p = c.p2c = false;
  if (j.contains("pos_att_type") && !j["pos_att_type"].is_null()) {
    json types = j["pos_att_type"];
    if (types.is_string()) {  // older configs: "p2c|c2p"
      std::string s = types.get<std::string>();
      types = json::array();
      std::stringstream in(s);
      for (std::string part; std::getline(in, part, '|');) types.push_back(part);
    }
    for (const auto& t : types) {
      if (t == "c2p") c.c2p = true;
      else if (t == "p2c") c.p2c = true;
      else throw FormatError(path + ": pos_att_type holds " + t.dump() + ": only c2p and p2c are implemented");
    }
  }
  const std::string norm = j.value("norm_rel_ebd", "none");
  c.norm_rel_ebd = norm.find("layer_norm") != std::string::npos;
  if (j.contains("layer_norm_eps") && j["layer_norm_eps"].is_number()) c.layer_norm_eps = j["layer_norm_eps"].get<double>();
  c.pad_id = json_integer(j, "pad_token_id", path, 0, c.vocab_size - 1, 0);
  c.cls_id = json_integer(j, "cls_token_id", path, 0, c.vocab_size - 1, 1);
  c.sep_id = json_integer(j, "sep_token_id", path, 0, c.vocab_size - 1, 2);
  c.source_prefix_id = json_integer(j, "source_prefix_id", path, 0, c.vocab_size - 1);
  c.cand1_prefix_id = json_integer(j, "cand1_prefix_id", path, 0, c.vocab_size - 1);
  c.cand2_prefix_id = json_integer(j, "cand2_prefix_id", path, 0, c.vocab_size - 1);
  c.n_tasks = json_integer(j, "n_tasks", path, 1, 1, 1);
  return c;
}

DebertaConfig read_deberta_config(const std::string& folder) {
  const std::string path = folder + "/config.json";
  return parse_deberta_config(read_text_file(path), path);
}

}  // namespace sppo
