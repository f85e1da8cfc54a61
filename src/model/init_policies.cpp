// The policies init-model builds, one per family (ModelKind), each a folder the family's
// Hugging Face class and tokenizer load: config.json with the keys that class's config writes,
// the tokenizer files in the real family's layout with its chat template, generation_config.json
// with its stop ids, and model.safetensors drawn from the seed.
//   llama:   Llama-2 / Mistral-shaped, SentencePiece tokenizer.model, Mistral's template.
//   llama3:  Llama-3.x (rope scaling llama3), byte-level BPE tokenizer.json, Llama-3-Instruct's template.
//   qwen2:   Qwen2.5 (q/k/v biases), byte-level BPE, Qwen2.5-Instruct's template.
//   qwen3:   Qwen3 (q/k norms, its own head_dim), byte-level BPE, Qwen3's template.
//   gemma2:  Gemma-2 (every quirk; the window of its even layers short enough for tiny rows),
//            Gemma-layout SentencePiece BPE (no dummy prefix, byte fallback), Gemma-2-it's template.
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "model/architectures.hpp"
#include "model/bpe_trainer.hpp"
#include "model/causal_lm_config.hpp"
#include "model/family_chat_templates.hpp"
#include "model/init_parts.hpp"

namespace sppo {
namespace {

// The Mistral-7B-Instruct v0.1/v0.2 chat template (tokenizer_config.json of those models).
constexpr const char* kMistralChatTemplate =
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

int64_t head_dim(const ModelArch& a) { return a.head_dim ? a.head_dim : a.hidden_size / a.heads; }

bool tied(const ModelArch& a, bool family_default) {
  return a.tie_word_embeddings < 0 ? family_default : a.tie_word_embeddings == 1;
}

// The keys every family's config class writes, with the arch's sizes.
nlohmann::json common_config(const ModelArch& a, const char* model_type, int64_t vocab, bool tie) {
  const Architecture* arch = find_architecture(model_type);
  return {{"architectures", {arch->hf_class}}, {"model_type", model_type},
          {"hidden_size", a.hidden_size}, {"intermediate_size", a.intermediate_size},
          {"num_hidden_layers", a.layers}, {"num_attention_heads", a.heads}, {"num_key_value_heads", a.kv_heads},
          {"head_dim", head_dim(a)}, {"vocab_size", vocab}, {"max_position_embeddings", a.max_position_embeddings},
          {"initializer_range", a.initializer_range}, {"torch_dtype", "float32"}, {"tie_word_embeddings", tie},
          {"attention_dropout", 0.0}, {"use_cache", true}};
}

// config.json, then the weights of the tensors it implies (read back through the registry, so
// the folder holds exactly what the loader expects).
BuiltModel write_policy(const ModelArch& a, const std::string& dir, const nlohmann::json& config, int64_t vocab,
                        std::string notice) {
  write_file_atomically(dir + "/config.json", config.dump(2) + "\n");
  const CausalLmConfig c = read_causal_lm_config(dir);
  std::vector<ParamSpec> specs;
  for (const auto& unit : causal_lm_unit_specs(c)) specs.insert(specs.end(), unit.begin(), unit.end());
  const auto tensors = draw_weights(a, specs, c.norm_plus_one ? 0.0f : 1.0f);
  return {write_weights(dir, tensors, {{"format", "pt"}}), vocab, std::move(notice)};
}

TokenizerLayout layout_of(ModelKind kind) {
  switch (kind) {
    case ModelKind::llama3: return TokenizerLayout::llama3;
    case ModelKind::qwen2: return TokenizerLayout::qwen2;
    case ModelKind::qwen3: return TokenizerLayout::qwen3;
    default: throw Error("init-model: " + to_string(kind) + " has no byte-level tokenizer");
  }
}

std::string_view chat_template_of(ModelKind kind) {
  switch (kind) {
    case ModelKind::llama3: return kLlama3InstructChatTemplate;
    case ModelKind::qwen2: return kQwen25InstructChatTemplate;
    default: return kQwen3ChatTemplate;
  }
}

}  // namespace

BuiltModel build_llama_policy(const ModelArch& a, const std::string& dir) {
  const int64_t vocab = train_sentencepiece(a, dir + "/tokenizer", "--unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1");
  nlohmann::json config = common_config(a, "llama", vocab, tied(a, false));
  config.update({{"hidden_act", "silu"}, {"rms_norm_eps", 1e-5}, {"rope_theta", 10000.0}, {"bos_token_id", 1},
                 {"eos_token_id", 2}, {"attention_bias", false}, {"mlp_bias", false}, {"pretraining_tp", 1}});
  // The Mistral-7B-Instruct v0.1/v0.2 template: policy.chat_template auto renders the prompt
  // the built-in mistral format tokenizes ([BOS] [INST] ... [/INST]).
  write_file_atomically(dir + "/tokenizer_config.json",
             nlohmann::json{{"add_bos_token", true}, {"add_eos_token", false}, {"bos_token", "<s>"},
                            {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"legacy", false},
                            {"tokenizer_class", "LlamaTokenizer"}, {"chat_template", kMistralChatTemplate}}.dump(2) + "\n");
  return write_policy(a, dir, config, vocab, fewer_pieces_notice(a, vocab));
}

BuiltModel build_byte_level_policy(const ModelArch& a, const std::string& dir) {
  const TokenizerLayout layout = layout_of(a.kind);
  // Refuses (ConfigError naming tokenizer_text) a text too small for vocab_size.
  const TrainedBpe bpe = train_byte_level_bpe({tokenizer_text(a), std::string(pre_tokenizer_regex(layout)), a.vocab_size});
  const TokenizerFiles files = byte_level_tokenizer_files(bpe, layout, chat_template_of(a.kind));
  write_file_atomically(dir + "/tokenizer.json", files.tokenizer_json);
  write_file_atomically(dir + "/tokenizer_config.json", files.tokenizer_config_json);
  write_file_atomically(dir + "/generation_config.json", files.generation_config_json);
  if (!files.special_tokens_map_json.empty()) write_file_atomically(dir + "/special_tokens_map.json", files.special_tokens_map_json);
  if (!files.vocab_json.empty()) write_file_atomically(dir + "/vocab.json", files.vocab_json);
  if (!files.merges_txt.empty()) write_file_atomically(dir + "/merges.txt", files.merges_txt);

  const int64_t vocab = files.vocab_size;
  nlohmann::json config;
  if (a.kind == ModelKind::llama3) {
    config = common_config(a, "llama", vocab, tied(a, true));  // tied as Llama-3.2-1B/3B
    config.update({{"hidden_act", "silu"}, {"rms_norm_eps", 1e-5}, {"rope_theta", 500000.0},
                   {"rope_scaling", {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                                     {"high_freq_factor", 4.0},
                                     {"original_max_position_embeddings", std::max<int64_t>(8, a.max_position_embeddings / 8)}}},
                   {"bos_token_id", files.bos_id}, {"eos_token_id", files.generation_eos_ids},
                   {"attention_bias", false}, {"mlp_bias", false}, {"pretraining_tp", 1}});
  } else {
    const bool qwen3 = a.kind == ModelKind::qwen3;
    config = common_config(a, qwen3 ? "qwen3" : "qwen2", vocab, tied(a, true));  // tied as Qwen2.5/Qwen3-0.5B..4B
    config.update({{"hidden_act", "silu"}, {"rms_norm_eps", 1e-6}, {"rope_theta", 1000000.0}, {"rope_scaling", nullptr},
                   {"use_sliding_window", false}, {"sliding_window", nullptr}, {"max_window_layers", a.layers},
                   {"bos_token_id", files.bos_id}, {"eos_token_id", files.eos_id}});
    if (qwen3) config["attention_bias"] = false;
  }
  return write_policy(a, dir, config, vocab, "");
}

BuiltModel build_gemma2_policy(const ModelArch& a, const std::string& dir) {
  // Gemma's SentencePiece layout: <pad> 0, <eos> 1, <bos> 2, <unk> 3, then the turn markers;
  // nothing prepended, whitespace kept, digits split (parse_model_arch set bpe + byte fallback).
  const int64_t vocab = train_sentencepiece(
      a, dir + "/tokenizer",
      "--pad_id=0 --eos_id=1 --bos_id=2 --unk_id=3 --pad_piece=<pad> --eos_piece=<eos> --bos_piece=<bos> "
      "--unk_piece=<unk> --user_defined_symbols=<start_of_turn>,<end_of_turn> --add_dummy_prefix=false "
      "--remove_extra_whitespaces=false --split_digits=true --allow_whitespace_only_pieces=true "
      "--normalization_rule_name=identity");
  constexpr int64_t kEndOfTurn = 5;  // <start_of_turn> 4, <end_of_turn> 5: the first user-defined ids
  write_file_atomically(dir + "/tokenizer_config.json",
             nlohmann::json{{"add_bos_token", true}, {"add_eos_token", false},
                            {"additional_special_tokens", {"<start_of_turn>", "<end_of_turn>"}}, {"bos_token", "<bos>"},
                            {"clean_up_tokenization_spaces", false}, {"eos_token", "<eos>"}, {"pad_token", "<pad>"},
                            {"sp_model_kwargs", nlohmann::json::object()}, {"spaces_between_special_tokens", false},
                            {"tokenizer_class", "GemmaTokenizer"}, {"unk_token", "<unk>"},
                            {"use_default_system_prompt", false}, {"chat_template", std::string(kGemma2ItChatTemplate)}}
                     .dump(2) + "\n");
  write_file_atomically(dir + "/special_tokens_map.json",
             nlohmann::json{{"additional_special_tokens", {"<start_of_turn>", "<end_of_turn>"}}, {"bos_token", "<bos>"},
                            {"eos_token", "<eos>"}, {"pad_token", "<pad>"}, {"unk_token", "<unk>"}}.dump(2) + "\n");
  write_file_atomically(dir + "/generation_config.json",
             nlohmann::json{{"bos_token_id", 2}, {"cache_implementation", "hybrid"}, {"eos_token_id", {1, kEndOfTurn}},
                            {"pad_token_id", 0}}.dump(2) + "\n");
  nlohmann::json config = common_config(a, "gemma2", vocab, true);
  config.update({{"hidden_act", "gelu_pytorch_tanh"}, {"hidden_activation", "gelu_pytorch_tanh"},
                 {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0}, {"query_pre_attn_scalar", head_dim(a)},
                 {"attn_logit_softcapping", 50.0}, {"final_logit_softcapping", 30.0}, {"sliding_window", a.sliding_window},
                 {"cache_implementation", "hybrid"}, {"attention_bias", false}, {"bos_token_id", 2},
                 {"eos_token_id", {1, kEndOfTurn}}, {"pad_token_id", 0}});
  return write_policy(a, dir, config, vocab, fewer_pieces_notice(a, vocab));
}

}  // namespace sppo
