#pragma once
// defines: Judge, what annotate and eval ask of a ranker: for each prompt, the K x K logit
// matrix over its candidates (M[a][b]: logit that candidate a beats b, a shown first;
// M[a][a] = 0), and make_judge, which builds the configured one (PairRM or synthetic).
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "model/chat_format.hpp"

namespace sppo {

// One prompt as the judge sees it: the source text (the templated prompt) and its candidates.
struct JudgeItem {
  std::string source;
  std::vector<std::string> candidates;
};

// The part of one call's ordered pairs that one of several ranks computes: the `part`-th of
// `parts` (the ranks that share one chunk). A pair outside the share gets −0.0, the exact
// additive identity (x + (−0.0) = x for every x, either zero included), so the parts' matrices
// summed are the whole call's matrices, to the bit.
struct JudgeShare {
  int part = 0;
  int parts = 1;
};

class Judge {
 public:
  virtual ~Judge() = default;
  // One row-major K x K matrix per item (K = that item's candidate count), for `share`'s pairs.
  virtual std::vector<std::vector<float>> logit_matrices(const std::vector<JudgeItem>& items, JudgeShare share) const = 0;
  // Every pair.
  std::vector<std::vector<float>> logit_matrices(const std::vector<JudgeItem>& items) const {
    return logit_matrices(items, JudgeShare{});
  }
  // Identity of the judge, recorded in samples.h5 so that two judges never mix in one file
  // (a positive 63-bit value).
  virtual int64_t fingerprint() const = 0;
  virtual std::string describe() const = 0;
};

// A prompt and its responses (ids of samples.h5) as the official pipeline shows them to
// PairRM: the rendered prompt as source (ChatFormat::judge_source: "<s>[INST] ... [/INST]"
// under the built-in mistral format), each response decoded without its final stop or
// end-of-turn token as a candidate.
JudgeItem judge_item(const ChatFormat& format, const std::vector<int32_t>& prompt,
                     const std::vector<const std::vector<int32_t>*>& responses);

// What a judge is made from: the ranker section and annotate.batch_pairs.
struct JudgeSpec {
  RankerConfig ranker;
  int64_t batch_pairs = 32;  // bounds PairRM's batches
};

// ranker.type = pairrm: PairRM from ranker.path; synthetic: the rule of ranker.rule.
// Throws naming the folder or the config key.
// A PairRM judge computes on `device`.
std::unique_ptr<Judge> make_judge(const JudgeSpec& spec, c10::Device device = c10::Device(c10::kCPU));

}  // namespace sppo
