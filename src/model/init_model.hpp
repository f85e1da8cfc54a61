#pragma once
// defines: init_model, the Hugging Face folder `sppo init-model` builds from a ModelArch:
// a tokenizer trained on the arch's text (SentencePiece, or byte-level BPE for the
// tokenizer.json families), config.json, tokenizer files, and
// random weights drawn from a counter-based stream of the seed (the same folder, bit for bit,
// on every machine and LibTorch version).
#include <string>

#include "model/model_arch.hpp"

namespace sppo {

struct InitModelResult {
  bool built = false;  // false: `out` already held this very model, nothing was written
  int64_t parameters = 0;
  int64_t vocab_size = 0;
  std::string notice;  // non-empty: what the user should know (a vocabulary smaller than asked)
};

// Writes the folder `out` (assembled in `out`.partial, renamed when whole). When `out` exists
// and records the same architecture and seed, returns without writing; when it holds anything
// else, throws ConfigError naming it (never overwrites a model).
InitModelResult init_model(const ModelArch& arch, const std::string& out);

// Weight k of tensor `tensor_index` drawn from N(0, 1): Box-Muller over Philox-4x32-10 keyed by
// `seed`, counter (k, tensor_index). Exposed for tests.
float init_normal(uint64_t seed, uint32_t tensor_index, uint64_t k);

}  // namespace sppo
