#pragma once
// defines: ModelArch, the small architecture file `sppo init-model` builds a model from
// (config/models/*.yaml): which kind (a policy of one of the families, or a PairRM ranker), its
// sizes, the seed of its random weights and the text its tokenizer is trained on.
#include <cstdint>
#include <string>

namespace sppo {

// llama: Llama-2 / Mistral-shaped, SentencePiece tokenizer and Mistral's chat template.
// llama3, qwen2, qwen3: the family's shape (Llama-3 rope scaling; Qwen2's q/k/v biases; Qwen3's
//   q/k norms) with a byte-level BPE tokenizer.json in the family's layout and its chat template.
// gemma2: Gemma-2's shape (every quirk) with a Gemma-layout SentencePiece tokenizer.model.
// pairrm: a DeBERTa-v3 PairRM ranker.
enum class ModelKind { llama, llama3, qwen2, qwen3, gemma2, pairrm };

struct ModelArch {
  ModelKind kind = ModelKind::llama;
  int64_t seed = 0;
  int64_t hidden_size = 64;
  int64_t intermediate_size = 172;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t kv_heads = 2;           // policies only
  int64_t head_dim = 0;           // policies; 0: hidden_size / heads (Qwen3 and Gemma-2 may differ)
  int64_t sliding_window = 16;    // gemma2: the window of its even layers (short, so tiny rows pass it)
  int tie_word_embeddings = -1;   // policies; -1: the family's default (llama false, the others true)
  int64_t position_buckets = 32;  // pairrm only
  int64_t max_position_embeddings = 512;
  double initializer_range = 0.02;
  // The tokenizer, trained on `tokenizer_text` (a UTF-8 file, one sentence a line).
  std::string tokenizer_text;
  // llama, gemma2, pairrm: pieces of the SentencePiece model (PairRM adds 5 more tokens);
  // llama3, qwen2, qwen3: BPE ids (256 bytes + merges; the family's added tokens come on top).
  int64_t vocab_size = 1000;
  std::string tokenizer_type = "unigram";  // llama, pairrm: unigram | bpe | word | char
  bool byte_fallback = false;        // unknown characters as byte pieces instead of <unk>
  std::string source;                // the file it came from
};

// Reads and checks an architecture file. Throws ConfigError "<file>:<line>: <key> = <value>: <reason>"
// for unknown keys, wrong types and sizes out of range (no model past 4096 hidden / 64 layers:
// init-model is for test and demo models, and an absurd size must not allocate terabytes).
ModelArch load_model_arch(const std::string& path);
ModelArch parse_model_arch(const std::string& yaml_text, const std::string& source);

std::string to_string(ModelKind kind);
// llama3, qwen2, qwen3: the kinds whose tokenizer is a byte-level BPE tokenizer.json.
bool byte_level_kind(ModelKind kind);

}  // namespace sppo
