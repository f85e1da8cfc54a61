#pragma once
// defines: generate_samples, batched K-sample generation for a batch of prompts with a
// shared prefill and a KV cache, dropping finished rows as it goes.
#include <cstdint>
#include <vector>

#include "core/counter_rng.hpp"
#include "generate/sampler.hpp"
#include "model/causal_lm.hpp"

namespace sppo {

struct Generation {
  std::vector<int32_t> tokens;  // the response; ends with EOS when finished
  bool finished = false;        // ended with EOS (false: cut at max_new_tokens)
};

struct GenerationStats {
  int64_t prefill_tokens = 0;
  int64_t generated_tokens = 0;
  int64_t decode_steps = 0;
  double prefill_seconds = 0;  // wall time of the prompts' forward and the expansion to K rows
  double decode_seconds = 0;   // wall time of the rest: the decode steps and their sampling
  double sample_seconds = 0;   // of decode_seconds, the sampler's (every step's token choice)
};

// Samples `samples_per_prompt` responses for each prompt (token ids, BOS included). Each
// prompt's prefill is computed once and its KV cache expanded to its K rows; a row ends at any
// of params.stop_ids (its stop id kept as its last token); every step
// decodes all live rows as one batch; rows that end with EOS stop costing compute (the
// cache is compacted once a quarter of its rows are done). The draw of step s of sample k
// of prompt i comes from sample_uniform(stream, prompt_ids[i], k, s). Returns
// prompts x samples results, prompt-major.
std::vector<Generation> generate_samples(const CausalLM& model, const std::vector<std::vector<int32_t>>& prompts,
                                         const std::vector<int64_t>& prompt_ids, int64_t samples_per_prompt,
                                         const SamplingParams& params, const SampleStream& stream,
                                         GenerationStats* stats = nullptr);

}  // namespace sppo
