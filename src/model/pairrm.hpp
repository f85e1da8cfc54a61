#pragma once
// defines: PairRanker, PairRM (LLM-Blender's DebertaV2PairRM): a DeBERTa-v3 encoder and a
// pairwise head over the hidden states at the <|source|>, <|candidate1|>, <|candidate2|>
// markers: logit = head([h_src; h_c1]) - head([h_src; h_c2]), head = Linear(2H, H), tanh,
// Linear(H, 1). logit > 0: candidate 1 preferred.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

#include "model/deberta.hpp"
#include "model/ranker_tokenizer.hpp"

namespace sppo {

class PairRanker {
 public:
  // config.json, model.safetensors (encoder under "pretrained_model.", head_layer.{1,4}),
  // spm.model and added_tokens.json of `folder`; unexpected tensors are errors.
  // The weights go to `device`; logits() takes ids and mask there.
  static PairRanker load(const std::string& folder, at::ScalarType dtype, c10::Device device = c10::Device(c10::kCPU));

  // ids, mask [B, L] (right-padded rows of pair_row) -> logits [B] float32; the head's two
  // scores when asked ([B, 1] each).
  at::Tensor logits(const at::Tensor& ids, const at::Tensor& mask, at::Tensor* left = nullptr,
                    at::Tensor* right = nullptr) const;

  const DebertaEncoder& encoder() const { return *encoder_; }
  const RankerTokenizer& tokenizer() const { return *tokenizer_; }
  const DebertaConfig& config() const { return encoder_->config(); }
  c10::Device device() const { return w1_.device(); }

 private:
  std::shared_ptr<const DebertaEncoder> encoder_;
  std::shared_ptr<const RankerTokenizer> tokenizer_;
  at::Tensor w1_, b1_, w4_, b4_;
};

}  // namespace sppo
