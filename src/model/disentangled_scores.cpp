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

// Query row i of one (row, head) block: s[j] += c2p_row[idx(i, j)] + p2c[j, idx(i, j)] for
// j < n, in that order, or the lowest value where query i or key j is padding. `table` is
// offset_table's for the batch length L; p2c rows are P apart.
void fill_score_row(float* s, const float* c2p_row, const float* p2c_head, const std::vector<int64_t>& table,
                    const bool* key_kept, int64_t i, int64_t n, int64_t L, int64_t P, float lowest) {
  if (!key_kept[i]) {
    for (int64_t j = 0; j < n; ++j) s[j] = lowest;
    return;
  }
  const int64_t* at_offset = table.data() + (L - 1 + i);  // at_offset[-j] = idx(i, j)
  for (int64_t j = 0; j < n; ++j) {
    const int64_t idx = at_offset[-j];
    float v = s[j];
    if (c2p_row) v = v + c2p_row[idx];
    if (p2c_head) v = v + p2c_head[j * P + idx];
    s[j] = key_kept[j] ? v : lowest;
  }
}

void fill_scores(float* scores, const float* c2p, const float* p2c, const std::vector<int64_t>& table, const bool* keep,
                 int64_t B, int64_t heads, int64_t L, int64_t P) {
  const float lowest = static_cast<float>(lowest_score(at::kFloat));
  at::parallel_for(0, B * heads * L, 16, [&](int64_t first, int64_t last) {
    for (int64_t row = first; row < last; ++row) {
      const int64_t bh = row / L, i = row % L, b = bh / heads;
      fill_score_row(scores + row * L, c2p ? c2p + row * P : nullptr, p2c ? p2c + bh * L * P : nullptr, table, keep + b * L,
                     i, L, L, P, lowest);
    }
  });
}

// One past the last kept position of each row (0 for a row with none).
std::vector<int64_t> used_lengths(const bool* keep, int64_t B, int64_t L) {
  std::vector<int64_t> n(static_cast<std::size_t>(B), 0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = L; i > 0; --i)
      if (keep[b * L + i - 1]) {
        n[static_cast<std::size_t>(b)] = i;
        break;
      }
  return n;
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

at::Tensor disentangled_context_tensors(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                        const at::Tensor& pos_key, const at::Tensor& pos_query,
                                        const at::Tensor& rel_index, const at::Tensor& keep, double scale) {
  const int64_t B = q.size(0), heads = q.size(1), L = q.size(2), d = q.size(3);
  const at::Tensor content = at::matmul(q, k.transpose(-1, -2) / scale);                                  // [B, heads, L, L]
  const at::Tensor c2p = pos_key.defined() ? at::matmul(q, pos_key.transpose(-1, -2)) : at::Tensor();     // [B, heads, L, 2S]
  const at::Tensor p2c = pos_query.defined() ? at::matmul(k, pos_query.transpose(-1, -2)) : at::Tensor();  // [B, heads, L(j), 2S]
  const at::Tensor probs = disentangled_probs(content, c2p, p2c, rel_index, keep, scale);
  return at::matmul(probs, v).transpose(1, 2).reshape({B, L, heads * d});
}

at::Tensor disentangled_context(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& pos_key,
                                const at::Tensor& pos_query, const at::Tensor& rel_index, const at::Tensor& keep,
                                double scale) {
  if (!q.device().is_cpu() || q.scalar_type() != at::kFloat)
    return disentangled_context_tensors(q, k, v, pos_key, pos_query, rel_index, keep, scale);
  const int64_t B = q.size(0), heads = q.size(1), L = q.size(2), d = q.size(3);
  const at::Tensor k_scaled = k / scale;  // the content term's kᵀ / scale, element by element alike
  const at::Tensor keep_c = keep.to(at::kBool).contiguous();
  const bool* kept = keep_c.data_ptr<bool>();
  const std::vector<int64_t> n_of = used_lengths(kept, B, L);
  const std::vector<int64_t> table = offset_table(rel_index);
  const int64_t P = pos_key.defined() ? pos_key.size(2) : (pos_query.defined() ? pos_query.size(2) : 0);
  const float lowest = static_cast<float>(lowest_score(at::kFloat));
  at::Tensor context = at::zeros({B, L, heads, d}, q.options());
  // One task per (row, head); inside it every op runs on this thread (ATen and OpenBLAS do
  // not nest their threads), on buffers of n × n and n × 2S.
  at::parallel_for(0, B * heads, 1, [&](int64_t first, int64_t last) {
    for (int64_t bh = first; bh < last; ++bh) {
      const int64_t b = bh / heads, h = bh % heads, n = n_of[static_cast<std::size_t>(b)];
      if (n == 0) continue;
      const at::Tensor qb = q[b][h].slice(0, 0, n), kb = k[b][h].slice(0, 0, n);  // [n, d], rows d·heads apart
      at::Tensor s = at::mm(qb, k_scaled[b][h].slice(0, 0, n).t());            // [n, n]
      // Dividing before the gather gives the same values, over [n, 2S] instead of [n, n].
      const at::Tensor c2p = pos_key.defined() ? at::mm(qb, pos_key[0][h].t()).div_(scale) : at::Tensor();
      const at::Tensor p2c = pos_query.defined() ? at::mm(kb, pos_query[0][h].t()).div_(scale) : at::Tensor();
      float* sp = s.data_ptr<float>();
      const float* c2p_p = c2p.defined() ? c2p.data_ptr<float>() : nullptr;
      const float* p2c_p = p2c.defined() ? p2c.data_ptr<float>() : nullptr;
      const bool* key_kept = kept + b * L;
      for (int64_t i = 0; i < n; ++i)
        fill_score_row(sp + i * n, c2p_p ? c2p_p + i * P : nullptr, p2c_p, table, key_kept, i, n, L, P, lowest);
      at::Tensor probs = at::softmax(s, -1);
      zero_padding_queries(probs.data_ptr<float>(), key_kept, 1, 1, n);  // XSoftmax: padding queries see nothing
      context[b].slice(0, 0, n).select(1, h).copy_(at::mm(probs, v[b][h].slice(0, 0, n)));
    }
  });
  return context.view({B, L, heads * d});
}

}  // namespace sppo
