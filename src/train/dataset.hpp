#pragma once
// defines: the training set of SPEC.md §2: examples of one or two rows (prompt ids +
// response ids + target win probability), built from a complete samples.h5 or from a JSONL
// in the official SPPO dataset's columns, truncated as the official trainer does.
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "model/policy_tokenizer.hpp"
#include "train/fsdp_step.hpp"

namespace sppo {

struct TrainRow {
  std::vector<int32_t> prompt;    // templated, BOS first
  std::vector<int32_t> response;  // EOS last when the response ended
  float win_prob = 0.5f;          // p in (a − (p − ½)/β)²
  float ref_logp = 0.0f;          // log π_ref(y|x), when known (has_ref)
  bool has_ref = false;
};

// One unit of batching: a (chosen, rejected) pair for `sppo`, one sample for `sppo_all`.
struct TrainExample {
  std::vector<TrainRow> rows;
};

struct TrainSet {
  std::vector<TrainExample> examples;
  int64_t skipped_ties = 0;  // prompts whose K scores all tie: no pair (the official code trains on chosen = rejected)
};

// From a samples.h5 whose generate and annotate stages are complete; rows carry their
// reference log-probabilities when /progress/reference is complete.
//   sppo: per prompt, w = argmax s, l = argmin s (s: PairRM's aggregated score), rows
//         (y_w, winrate_w) and (y_l, winrate_l); sppo_single: (y_w, P[w,l]), (y_l, 1 − P[w,l]);
//   dpo, ipo: (y_w, y_l); sppo_all: every sample with its winrate.
TrainSet train_set_from_samples(const std::string& samples_path, const Config& config);

// From a JSONL with the official SPPO dataset columns: prompt, chosen, rejected (each a
// string or a list of {"role", "content"} messages whose last is the assistant's),
// chosen_probs (P[w,l], for sppo_single), chosen_probs_win and chosen_probs_lose (for sppo);
// for sft, {prompt, response} demonstrations. Lines are checked before anything is built.
TrainSet train_set_from_jsonl(const std::string& path, const Config& config, const PolicyTokenizer& tokenizer);

// Rows as right-padded tensors, with their reference log-probabilities `ref_logp`.
TrainRows batch_tensors(const std::vector<const TrainRow*>& rows, const std::vector<float>& ref_logp);

// Official truncation: the prompt keeps BOS and its last max_prompt_length − 1 tokens; the
// response is cut at its end so that prompt + response fit max_length.
TrainRow truncated_row(std::vector<int32_t> prompt, std::vector<int32_t> response, float win_prob,
                       int64_t max_length, int64_t max_prompt_length);

}  // namespace sppo
