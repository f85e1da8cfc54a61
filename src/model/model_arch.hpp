#pragma once
// defines: ModelArch, the small architecture file `sppo init-model` builds a model from
// (config/models/*.yaml): which kind (a Llama-shaped policy or a PairRM ranker), its sizes,
// the seed of its random weights and the text its SentencePiece tokenizer is trained on.
#include <cstdint>
#include <string>

namespace sppo {

enum class ModelKind { llama, pairrm };

struct ModelArch {
  ModelKind kind = ModelKind::llama;
  int64_t seed = 0;
  int64_t hidden_size = 64;
  int64_t intermediate_size = 172;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t kv_heads = 2;           // llama only
  int64_t position_buckets = 32;  // pairrm only
  int64_t max_position_embeddings = 512;
  double initializer_range = 0.02;
  // The tokenizer: SentencePiece trained on `tokenizer_text` (a UTF-8 file, one sentence a line).
  std::string tokenizer_text;
  int64_t vocab_size = 1000;         // pieces of the SentencePiece model (PairRM adds 5 more tokens)
  std::string tokenizer_type = "unigram";  // unigram | bpe | word | char
  bool byte_fallback = false;        // unknown characters as byte pieces instead of <unk>
  std::string source;                // the file it came from
};

// Reads and checks an architecture file. Throws ConfigError "<file>:<line>: <key> = <value>: <reason>"
// for unknown keys, wrong types and sizes out of range (no model past 4096 hidden / 64 layers:
// init-model is for test and demo models, and an absurd size must not allocate terabytes).
ModelArch load_model_arch(const std::string& path);
ModelArch parse_model_arch(const std::string& yaml_text, const std::string& source);

std::string to_string(ModelKind kind);

}  // namespace sppo
