#pragma once
// defines: the training set of SPEC.md §2: examples of one or two rows (prompt ids +
// response ids + target win probability + π_ref's log-probability), built from a complete
// samples.h5 or from a JSONL in the official SPPO dataset's columns, truncated as the
// official trainer does; and batch_tensors, a micro-batch's rows as padded tensors.
#include <cstdint>
#include <optional>
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

  int64_t rows() const;
  // Every row, in example order.
  std::vector<TrainRow*> all_rows();
  std::vector<const TrainRow*> all_rows() const;
};

// What the training set is built with: the loss (which rows and targets), the truncation,
// the win-rate aggregation that gives a pair's P[w,l], the prompts' chat template (JSONL).
struct TrainSetSpec {
  LossKind loss = LossKind::sppo;
  int64_t max_length = 1024;        // prompt + response tokens
  int64_t max_prompt_length = 512;
  WinrateMode winrate = WinrateMode::score;
  std::string chat_template = "auto";        // policy.chat_template, for a JSONL's prompts
  std::optional<std::string> end_of_turn;   // policy.end_of_turn, for its responses
  int64_t vocab_size = 0;                    // the policy's (config.json): ids lines are checked against it
};

// From a samples.h5 whose generate and annotate stages are complete; rows carry their
// reference log-probabilities when its reference stage is complete.
//   sppo: per prompt, w = argmax s, l = argmin s (s: PairRM's aggregated score), rows
//         (y_w, winrate_w) and (y_l, winrate_l); sppo_single: (y_w, P[w,l]), (y_l, 1 − P[w,l]);
//   dpo, ipo: (y_w, y_l); sppo_all: every sample with its winrate.
TrainSet train_set_from_samples(const std::string& samples_path, const TrainSetSpec& spec);

// From a JSONL with the official SPPO dataset columns: prompt, chosen, rejected (each a
// string or a list of {"role", "content"} messages whose last is the assistant's),
// chosen_probs (P[w,l], for sppo_single), chosen_probs_win and chosen_probs_lose (for sppo);
// for sppo_all, one sample a line: {prompt, response, winrate}; for sft, {prompt, response}
// demonstrations. Any text field may be given as token ids instead: prompt_ids (templated
// already), chosen_ids, rejected_ids, response_ids (used as given, no end-of-turn added),
// each checked against spec.vocab_size naming file, line and position. Lines are checked
// before anything is built; the chat format is resolved only when a line gives text.
TrainSet train_set_from_jsonl(const std::string& path, const TrainSetSpec& spec, const PolicyTokenizer& tokenizer);

// Rows as right-padded tensors (on the CPU), with their reference log-probabilities.
TrainRows batch_tensors(const std::vector<const TrainRow*>& rows);

// Official truncation: the prompt keeps BOS and its last max_prompt_length − 1 tokens
// (io/prompts.hpp's truncate_prompt); the response is cut at its end so that prompt +
// response fit max_length.
TrainRow truncated_row(std::vector<int32_t> prompt, std::vector<int32_t> response, float win_prob,
                       int64_t max_length, int64_t max_prompt_length);

}  // namespace sppo
