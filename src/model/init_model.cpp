#include "model/init_model.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "core/counter_rng.hpp"
#include "io/atomic_file.hpp"
#include "io/fingerprint.hpp"
#include "io/safetensors_writer.hpp"
#include "model/causal_lm.hpp"
#include "model/causal_lm_config.hpp"
#include "model/sentencepiece.hpp"

namespace sppo {
namespace fs = std::filesystem;
namespace {

constexpr const char* kProvenance = "init_model.json";

// The Mistral-7B-Instruct v0.1/v0.2 chat template (tokenizer_config.json of those models).
constexpr const char* kMistralChatTemplate =
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

// What identifies a built model: the arch file's settings and the tokenizer text's bytes.
std::string arch_identity(const ModelArch& a) {
  std::ifstream in(a.tokenizer_text, std::ios::binary);
  if (!in) throw_io_error(a.tokenizer_text, "open (tokenizer_text of " + a.source + ")", errno);
  std::ostringstream text;
  text << in.rdbuf();
  Fingerprint f;
  f.add(to_string(a.kind)).add(a.seed).add(a.hidden_size).add(a.intermediate_size).add(a.layers).add(a.heads);
  f.add(a.kv_heads).add(a.position_buckets).add(a.max_position_embeddings).add(&a.initializer_range, sizeof(double));
  f.add(a.vocab_size).add(a.tokenizer_type).add(int64_t{a.byte_fallback}).add(text.str());
  return f.hex();
}

// Trains the SentencePiece model `prefix`.model; returns its piece count.
int64_t train_tokenizer(const ModelArch& a, const std::string& prefix) {
  std::string flags = "--input=" + a.tokenizer_text + " --model_prefix=" + prefix +
                      " --vocab_size=" + std::to_string(a.vocab_size) + " --model_type=" + a.tokenizer_type +
                      " --character_coverage=1.0 --num_threads=1 --hard_vocab_limit=false"
                      " --shuffle_input_sentence=false --minloglevel=2 --max_sentence_length=65536";
  if (a.byte_fallback) flags += " --byte_fallback=true";
  if (a.kind == ModelKind::llama)
    flags += " --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1";
  else  // DeBERTa-v3's layout: [PAD] 0, [CLS] 1, [SEP] 2, [UNK] 3
    flags += " --pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3 --pad_piece=[PAD] --bos_piece=[CLS] --eos_piece=[SEP] --unk_piece=[UNK]";
  SentencePiece::train(flags);
  fs::remove(prefix + ".vocab");
  return SentencePiece(prefix + ".model").piece_size();
}

// N(0, std) weights for matrices, ones for norm weights, zeros for biases.
at::Tensor random_tensor(uint64_t seed, uint32_t index, const std::vector<int64_t>& shape, double std) {
  at::Tensor t = at::empty(shape, at::kFloat);
  float* p = t.data_ptr<float>();
  for (int64_t k = 0; k < t.numel(); ++k) p[k] = static_cast<float>(std * init_normal(seed, index, static_cast<uint64_t>(k)));
  return t;
}

std::vector<NamedTensor> draw(const ModelArch& a, const std::vector<ParamSpec>& specs) {
  std::vector<NamedTensor> out;
  uint32_t index = 0;
  for (const auto& s : specs) {
    const bool norm = s.name.find("norm") != std::string::npos || s.name.find("LayerNorm") != std::string::npos;
    const bool bias = s.name.size() > 5 && s.name.compare(s.name.size() - 5, 5, ".bias") == 0;
    if (bias) out.push_back({s.name, at::zeros(s.shape)});
    else if (norm) out.push_back({s.name, at::ones(s.shape)});
    else out.push_back({s.name, random_tensor(static_cast<uint64_t>(a.seed), index, s.shape, a.initializer_range)});
    ++index;
  }
  return out;
}

int64_t build_llama(const ModelArch& a, const std::string& dir) {
  const int64_t vocab = train_tokenizer(a, dir + "/tokenizer");
  const nlohmann::json config = {
      {"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_act", "silu"},
      {"hidden_size", a.hidden_size}, {"intermediate_size", a.intermediate_size},
      {"num_hidden_layers", a.layers}, {"num_attention_heads", a.heads}, {"num_key_value_heads", a.kv_heads},
      {"head_dim", a.hidden_size / a.heads}, {"vocab_size", vocab}, {"max_position_embeddings", a.max_position_embeddings},
      {"rms_norm_eps", 1e-5}, {"rope_theta", 10000.0}, {"tie_word_embeddings", false}, {"bos_token_id", 1},
      {"eos_token_id", 2}, {"initializer_range", a.initializer_range}, {"torch_dtype", "float32"},
      {"attention_bias", false}, {"mlp_bias", false}};
  write_file_atomically(dir + "/config.json", config.dump(2) + "\n");
  // The Mistral-7B-Instruct v0.1/v0.2 template: policy.chat_template auto renders the prompt
  // the built-in mistral format tokenizes ([BOS] [INST] ... [/INST]).
  write_file_atomically(dir + "/tokenizer_config.json",
             nlohmann::json{{"add_bos_token", true}, {"add_eos_token", false}, {"bos_token", "<s>"},
                            {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"legacy", false},
                            {"tokenizer_class", "LlamaTokenizer"}, {"chat_template", kMistralChatTemplate}}.dump(2) + "\n");
  std::vector<ParamSpec> specs;
  for (const auto& unit : causal_lm_unit_specs(read_causal_lm_config(dir))) specs.insert(specs.end(), unit.begin(), unit.end());
  const auto tensors = draw(a, specs);
  write_safetensors_folder(dir, tensors, {{"format", "pt"}});
  int64_t n = 0;
  for (const auto& t : tensors) n += t.tensor.numel();
  return n;
}

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

int64_t build_pairrm(const ModelArch& a, const std::string& dir) {
  const int64_t pieces = train_tokenizer(a, dir + "/spm");
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
      {"pooler_hidden_act", "gelu"}, {"initializer_range", a.initializer_range}, {"torch_dtype", "float32"}};
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
  const auto tensors = draw(a, pairrm_specs(a, vocab));
  write_safetensors_folder(dir, tensors, {{"format", "pt"}, {"model", "DebertaV2PairRM"}});
  int64_t n = 0;
  for (const auto& t : tensors) n += t.tensor.numel();
  return n;
}

}  // namespace

float init_normal(uint64_t seed, uint32_t tensor_index, uint64_t k) {
  const auto w = philox4x32({static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32), tensor_index, 0x1a17u},
                            {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
  // Two uniforms in (0, 1] from 53 bits each, then Box-Muller.
  constexpr double kScale = 1.0 / 9007199254740992.0;  // 2^-53
  const double u1 = (static_cast<double>((uint64_t{w[0]} << 21) ^ (w[1] >> 11)) + 1.0) * kScale;
  const double u2 = (static_cast<double>((uint64_t{w[2]} << 21) ^ (w[3] >> 11)) + 1.0) * kScale;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

InitModelResult init_model(const ModelArch& arch, const std::string& out) {
  const std::string identity = arch_identity(arch);
  if (fs::exists(out)) {
    std::ifstream in(out + "/" + kProvenance);
    nlohmann::json recorded;
    try {
      if (in) recorded = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception&) {
    }
    if (recorded.is_object() && recorded.value("identity", "") == identity)
      return {false, recorded.value("parameters", int64_t{0}), recorded.value("vocab_size", int64_t{0})};
    throw ConfigError(out + ": exists and is not the model of " + arch.source +
                      " (another architecture, seed or tokenizer text); remove it or give another --out");
  }
  const std::string partial = out + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  InitModelResult result;
  result.built = true;
  result.parameters = arch.kind == ModelKind::llama ? build_llama(arch, partial) : build_pairrm(arch, partial);
  result.vocab_size = nlohmann::json::parse(std::ifstream(partial + "/config.json")).at("vocab_size").get<int64_t>();
  write_file_atomically(partial + "/" + kProvenance,
             nlohmann::json{{"identity", identity}, {"arch", arch.source}, {"kind", to_string(arch.kind)},
                            {"seed", arch.seed}, {"parameters", result.parameters}, {"vocab_size", result.vocab_size}}
                     .dump(2) + "\n");
  std::error_code ec;
  fs::rename(partial, out, ec);
  if (ec) throw_io_error(out, "rename " + partial + " to", ec.value());
  return result;
}

}  // namespace sppo
