#include "model/pairrm.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/error.hpp"
#include "model/weights.hpp"

namespace sppo {

PairRanker PairRanker::load(const std::string& folder, at::ScalarType dtype, c10::Device device) {
  const DebertaConfig config = read_deberta_config(folder);
  const SafetensorsModel weights = SafetensorsModel::open(folder);
  std::vector<std::string> used;
  PairRanker r;
  r.encoder_ = std::make_shared<const DebertaEncoder>(config, weights, "pretrained_model.", dtype, &used, device);
  const int64_t H = config.hidden_size;
  r.w1_ = load_weight(weights, "head_layer.1.weight", {H, 2 * H}, dtype, &used, device);
  r.b1_ = load_weight(weights, "head_layer.1.bias", {H}, dtype, &used, device);
  r.w4_ = load_weight(weights, "head_layer.4.weight", {config.n_tasks, H}, dtype, &used, device);
  r.b4_ = load_weight(weights, "head_layer.4.bias", {config.n_tasks}, dtype, &used, device);
  for (const auto& name : weights.names())
    if (std::find(used.begin(), used.end(), name) == used.end() && name.find("position_ids") == std::string::npos)
      throw FormatError(weights.file_of(name) + ": unexpected tensor " + name + " for PairRM");
  r.tokenizer_ = std::make_shared<const RankerTokenizer>(
      folder, static_cast<int32_t>(config.cls_id), static_cast<int32_t>(config.sep_id),
      static_cast<int32_t>(config.source_prefix_id), static_cast<int32_t>(config.cand1_prefix_id),
      static_cast<int32_t>(config.cand2_prefix_id));
  return r;
}

at::Tensor PairRanker::logits(const at::Tensor& ids, const at::Tensor& mask, at::Tensor* left, at::Tensor* right) const {
  const DebertaConfig& c = config();
  const at::Tensor h = encoder_->forward(ids, mask);  // [B, L, H]
  // The first position of each marker in every row.
  auto marker = [&](int64_t id) {
    const at::Tensor hit = (ids == id);
    if (!hit.any(1).all().item<bool>())
      throw Error("PairRM: a row lacks marker token " + std::to_string(id) + " (input not laid out by pair_row)");
    const at::Tensor position = hit.to(at::kInt).argmax(1);  // first max = first occurrence
    return h.gather(1, position.view({-1, 1, 1}).expand({h.size(0), 1, h.size(2)}).to(at::kLong)).squeeze(1);
  };
  const at::Tensor src = marker(c.source_prefix_id), c1 = marker(c.cand1_prefix_id), c2 = marker(c.cand2_prefix_id);
  auto head = [&](const at::Tensor& candidate) {
    return at::linear(at::tanh(at::linear(at::cat({src, candidate}, -1), w1_, b1_)), w4_, b4_);  // [B, n_tasks]
  };
  const at::Tensor l = head(c1).to(at::kFloat), r = head(c2).to(at::kFloat);
  if (left) *left = l;
  if (right) *right = r;
  return (l - r).mean(-1);
}

}  // namespace sppo
