#pragma once
// defines: the pieces `sppo init-model` assembles a model folder from: the tokenizer text, a
// trained SentencePiece model, random weights drawn from the seed's counter-based stream, and
// the per-kind builders (model/init_policies.cpp: the policy families; model/init_pairrm.cpp:
// the ranker). Each builder writes config.json, tokenizer files and model.safetensors into a
// folder and reports what it built.
#include <string>
#include <vector>

#include "io/safetensors_writer.hpp"
#include "model/causal_lm.hpp"
#include "model/model_arch.hpp"

namespace sppo {

struct BuiltModel {
  int64_t parameters = 0;
  int64_t vocab_size = 0;
  // Said plainly when the tokenizer text gave fewer SentencePiece pieces than vocab_size asked.
  std::string notice;
};

// The bytes of arch.tokenizer_text; IoError naming it and the arch file.
std::string tokenizer_text(const ModelArch& arch);

// Trains the SentencePiece model `prefix`.model on arch.tokenizer_text with arch's type,
// vocab_size and byte fallback plus `layout_flags` (the ids and pieces of the special tokens,
// normalisation); returns its piece count. SentencePiece may stop short of vocab_size on a
// small text: the caller says so (BuiltModel::notice).
int64_t train_sentencepiece(const ModelArch& arch, const std::string& prefix, const std::string& layout_flags);
std::string fewer_pieces_notice(const ModelArch& arch, int64_t pieces);

// N(0, initializer_range) for matrices from init_normal(seed, tensor index, element), zeros for
// biases, `norm_value` for norm weights (1; Gemma stores w of x̂·(1 + w), so 0).
std::vector<NamedTensor> draw_weights(const ModelArch& arch, const std::vector<ParamSpec>& specs, float norm_value);
// Writes `tensors` as dir/model.safetensors; returns their element count.
int64_t write_weights(const std::string& dir, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata);

// The builders, one per kind.
BuiltModel build_llama_policy(const ModelArch& arch, const std::string& dir);       // llama
BuiltModel build_byte_level_policy(const ModelArch& arch, const std::string& dir);  // llama3, qwen2, qwen3
BuiltModel build_gemma2_policy(const ModelArch& arch, const std::string& dir);      // gemma2
BuiltModel build_pairrm(const ModelArch& arch, const std::string& dir);             // pairrm

}  // namespace sppo
