#include "model/disentangled_scores.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <vector>

#include "model/weights.hpp"

namespace sppo {

at::Tensor disentangled_probs_tensors(const at::Tensor& content, const at::Tensor& c2p, const at::Tensor& p2c,
                                      const at::Tensor& rel_index, const at::Tensor& keep, double scale) {
  const int64_t B = content.size(0), heads = content.size(1), L = content.size(2);
  const at::Tensor index = rel_index.view({1, 1, L, L}).expand({B, heads, L, L});
  at::Tensor scores = content;
  if (c2p.defined()) scores = scores + c2p.gather(-1, index) / scale;
  // p2c[j, idx(i, j)]: gathered along j's rows with the index transposed, then transposed back.
  if (p2c.defined()) scores = scores + p2c.gather(-1, index.transpose(-1, -2)).transpose(-1, -2) / scale;
  const at::Tensor blocked = ~(keep.unsqueeze(1) & keep.unsqueeze(2)).unsqueeze(1);  // [B, 1, L, L]
  return at::softmax(scores.masked_fill(blocked, lowest_score(scores.scalar_type())), -1).masked_fill(blocked, 0);
}

namespace {

// idx(i, j) depends on i − j alone: table[i − j + L − 1].
std::vector<int64_t> offset_table(const at::Tensor& rel_index) {
  const at::Tensor index = rel_index.to(at::kCPU, at::kLong).contiguous();
  const int64_t L = index.size(0);
  const int64_t* idx = index.data_ptr<int64_t>();
  std::vector<int64_t> table(static_cast<std::size_t>(2 * L - 1));
  for (int64_t j = 0; j < L; ++j) table[static_cast<std::size_t>(L - 1 - j)] = idx[j];       // i = 0: r = −j
  for (int64_t i = 0; i < L; ++i) table[static_cast<std::size_t>(L - 1 + i)] = idx[i * L];   // j = 0: r = i
  return table;
}

void fill_scores(float* scores, const float* c2p, const float* p2c, const std::vector<int64_t>& table, const bool* keep,
                 int64_t B, int64_t heads, int64_t L, int64_t P) {
  const float lowest = static_cast<float>(lowest_score(at::kFloat));
  at::parallel_for(0, B * heads * L, 16, [&](int64_t first, int64_t last) {
    for (int64_t row = first; row < last; ++row) {
      const int64_t bh = row / L, i = row % L, b = bh / heads;
      float* s = scores + row * L;
      const bool* key_kept = keep + b * L;
      if (!key_kept[i]) {
        for (int64_t j = 0; j < L; ++j) s[j] = lowest;
        continue;
      }
      const int64_t* at_offset = table.data() + (L - 1 + i);  // at_offset[-j] = idx(i, j)
      const float* c2p_row = c2p ? c2p + row * P : nullptr;
      const float* p2c_head = p2c ? p2c + bh * L * P : nullptr;
      for (int64_t j = 0; j < L; ++j) {
        const int64_t idx = at_offset[-j];
        float v = s[j];
        if (c2p_row) v = v + c2p_row[idx];
        if (p2c_head) v = v + p2c_head[j * P + idx];
        s[j] = key_kept[j] ? v : lowest;
      }
    }
  });
}

void zero_padding_queries(float* probs, const bool* keep, int64_t B, int64_t heads, int64_t L) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < L; ++i)
      if (!keep[b * L + i])
        for (int64_t h = 0; h < heads; ++h) {
          float* row = probs + ((b * heads + h) * L + i) * L;
          for (int64_t j = 0; j < L; ++j) row[j] = 0.0f;
        }
}

}  // namespace

at::Tensor disentangled_probs(at::Tensor content, const at::Tensor& c2p, const at::Tensor& p2c,
                              const at::Tensor& rel_index, const at::Tensor& keep, double scale) {
  const at::ScalarType type = content.scalar_type();
  // float32 on the CPU (the ranker's default): bfloat16 ops round their scalar operand
  // differently across LibTorch versions, so a loop could not match them to the bit everywhere.
  if (!content.device().is_cpu() || type != at::kFloat)
    return disentangled_probs_tensors(content, c2p, p2c, rel_index, keep, scale);
  const int64_t B = content.size(0), heads = content.size(1), L = content.size(2);
  content = content.contiguous();
  // Dividing before the gather gives the same values (each element is divided alike), over
  // [L, 2S] instead of [L, L] and vectorised.
  const at::Tensor c2p_c = c2p.defined() ? (c2p / scale).contiguous() : c2p;
  const at::Tensor p2c_c = p2c.defined() ? (p2c / scale).contiguous() : p2c;
  const int64_t P = c2p.defined() ? c2p.size(-1) : (p2c.defined() ? p2c.size(-1) : 0);
  const at::Tensor keep_c = keep.to(at::kBool).contiguous();
  const std::vector<int64_t> table = offset_table(rel_index);
  fill_scores(content.data_ptr<float>(), c2p_c.defined() ? c2p_c.data_ptr<float>() : nullptr,
                     p2c_c.defined() ? p2c_c.data_ptr<float>() : nullptr, table, keep_c.data_ptr<bool>(), B, heads, L,
                     P);
  at::Tensor probs = at::softmax(content, -1);
  zero_padding_queries(probs.data_ptr<float>(), keep_c.data_ptr<bool>(), B, heads, L);
  return probs;
}

}  // namespace sppo
