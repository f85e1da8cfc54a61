#include "model/decode_attention.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/weights.hpp"

namespace sppo {
namespace {

// Four floats as one value (GCC/Clang vector extension): one SSE register at the x86-64
// baseline, one NEON register on ARM. No dispatch on the CPU's own vector width, so one build
// gives the same bits on every CPU it runs on (ranks on different nodes agree).
using Lanes = float __attribute__((vector_size(16)));
constexpr int64_t kLanes = 4;

inline Lanes load(const float* p) {
  Lanes x;
  std::memcpy(&x, p, sizeof x);
  return x;
}
inline void store(float* p, const Lanes& x) { std::memcpy(p, &x, sizeof x); }

// The lanes of a, b, c, d each summed: {Σa, Σb, Σc, Σd}, each as (a0 + a2) + (a1 + a3).
inline Lanes lane_sums(const Lanes& a, const Lanes& b, const Lanes& c, const Lanes& d) {
  const Lanes ab = __builtin_shufflevector(a, b, 0, 4, 1, 5) + __builtin_shufflevector(a, b, 2, 6, 3, 7);
  const Lanes cd = __builtin_shufflevector(c, d, 0, 4, 1, 5) + __builtin_shufflevector(c, d, 2, 6, 3, 7);
  return __builtin_shufflevector(ab, cd, 0, 1, 4, 5) + __builtin_shufflevector(ab, cd, 2, 3, 6, 7);
}

// q · k for four keys at once, {q·k0, q·k1, q·k2, q·k3}: per key, lane-wise products summed
// over the blocks of four dimensions in order, the lanes summed as lane_sums does, then the
// dimensions past the last block in order. dot_one gives a single key the same bits.
inline Lanes dot_four(const float* q, const float* k0, const float* k1, const float* k2, const float* k3,
                      int64_t n) {
  Lanes a{}, b{}, c{}, d{};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const Lanes x = load(q + i);
    a += x * load(k0 + i);
    b += x * load(k1 + i);
    c += x * load(k2 + i);
    d += x * load(k3 + i);
  }
  Lanes sums = lane_sums(a, b, c, d);
  for (; i < n; ++i) {
    sums[0] += q[i] * k0[i];
    sums[1] += q[i] * k1[i];
    sums[2] += q[i] * k2[i];
    sums[3] += q[i] * k3[i];
  }
  return sums;
}

inline float dot_one(const float* q, const float* k, int64_t n) {
  Lanes a{};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) a += load(q + i) * load(k + i);
  float sum = (a[0] + a[2]) + (a[1] + a[3]);
  for (; i < n; ++i) sum += q[i] * k[i];
  return sum;
}

// How far ahead of the row being read (in rows) the cache rows are prefetched: the rows of one
// (row, KV head) are a short stream (T rows) that the hardware prefetcher would start to follow
// only after its first misses; its last rows' prefetches fall on the next stream's first.
constexpr int64_t kAhead = 32;

// Prefetches the n floats at p, one request per 64-byte line (never faults).
inline void prefetch_floats(const float* p, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) __builtin_prefetch(p + i);
}

// The cache rows of one (row, KV head): `count` rows of `width` floats, `stride` floats apart from
// `first`; `next` is the first row of the (row, KV head) read after it (nullptr: none).
struct CacheStream {
  const float* first;
  const float* next;
  int64_t count, stride, width;
  const float* row(int64_t t) const { return first + t * stride; }
  // Prefetches the row kAhead after t, in this stream or the next.
  void prefetch_ahead(int64_t t) const {
    const int64_t r = t + kAhead;
    if (r < count) prefetch_floats(row(r), width);
    else if (next) prefetch_floats(next + (r - count) * stride, width);
  }
};

// out[j] = Σ_t p[j][t] · v[t] for the query heads j in [j0, j0 + heads) (heads ≤ 2), over the
// dimensions [d0, d0 + 16): the sums held in registers while t runs, each value block loaded
// once for both heads. Every element is ((0 + p0·v0) + p1·v1) + … in t order, as add_scaled
// sums it. The first block's pass prefetches whole rows ahead for the passes after it.
inline void weighted_sum_block(const float* p, const CacheStream& v, int64_t j0, int64_t heads, int64_t d0,
                               float* out) {
  const int64_t T = v.count, hd = v.width;
  Lanes a0{}, a1{}, a2{}, a3{}, b0{}, b1{}, b2{}, b3{};
  const float* p0 = p + j0 * T;
  const float* p1 = p + (j0 + heads - 1) * T;  // the same head again when heads = 1 (unused)
  const bool first = j0 == 0 && d0 == 0;
  for (int64_t t = 0; t < T; ++t) {
    const float* vt = v.row(t) + d0;
    if (first) v.prefetch_ahead(t);
    const Lanes x0 = load(vt), x1 = load(vt + 4), x2 = load(vt + 8), x3 = load(vt + 12);
    const float w0 = p0[t], w1 = p1[t];
    a0 += w0 * x0;
    a1 += w0 * x1;
    a2 += w0 * x2;
    a3 += w0 * x3;
    b0 += w1 * x0;
    b1 += w1 * x1;
    b2 += w1 * x2;
    b3 += w1 * x3;
  }
  float* o = out + j0 * hd + d0;
  store(o, a0);
  store(o + 4, a1);
  store(o + 8, a2);
  store(o + 12, a3);
  if (heads < 2) return;
  o += hd;
  store(o, b0);
  store(o + 4, b1);
  store(o + 8, b2);
  store(o + 12, b3);
}

// y += w · x over n, element by element.
inline void add_scaled(float w, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(y + i, load(y + i) + w * load(x + i));
  for (; i < n; ++i) y[i] += w * x[i];
}

// Scores of one block of rows held at once (64 KiB, and as much for their softmax: in L2).
constexpr int64_t kBlockScores = 16384;

}  // namespace

bool decode_attention_applies(const at::Tensor& qg, const at::Tensor& k, int64_t groups) {
  return qg.device().is_cpu() && qg.scalar_type() == at::kFloat && k.scalar_type() == at::kFloat &&
         qg.size(2) == groups && !qg.requires_grad() && !k.requires_grad();
}

at::Tensor decode_attention(const at::Tensor& qg, const at::Tensor& k_in, const at::Tensor& v_in,
                            const at::Tensor& allowed, double scale, std::optional<double> softcap) {
  const int64_t B = qg.size(0), kvh = qg.size(1), g = qg.size(2), hd = qg.size(3), T = k_in.size(2);
  const at::Tensor q = qg.contiguous();                          // [B, kvh, g, hd]
  const at::Tensor mask = allowed.reshape({B, T}).contiguous();  // [B, T]
  // The cache's views keep their strides; only the last dimension must be contiguous.
  const at::Tensor k = k_in.stride(3) == 1 ? k_in : k_in.contiguous();
  const at::Tensor v = v_in.stride(3) == 1 ? v_in : v_in.contiguous();
  at::Tensor out = at::empty({B, kvh, g, hd}, q.options());
  const float* q_data = q.data_ptr<float>();
  const bool* mask_data = mask.data_ptr<bool>();
  const float* k_data = k.data_ptr<float>();
  const float* v_data = v.data_ptr<float>();
  float* out_data = out.data_ptr<float>();
  const int64_t ks0 = k.stride(0), ks1 = k.stride(1), ks2 = k.stride(2);
  const int64_t vs0 = v.stride(0), vs1 = v.stride(1), vs2 = v.stride(2);
  // As explicit_attention: the scale is a float factor after the product, the soft cap before
  // the mask, a masked score the lowest float.
  const float scale_f = static_cast<float>(scale), lowest = static_cast<float>(lowest_score(at::kFloat));
  const float cap = softcap ? static_cast<float>(*softcap) : 0.0f;
  const int64_t per_row = kvh * g * T;  // scores of one row
  const int64_t block_rows = std::max<int64_t>(1, kBlockScores / std::max<int64_t>(1, per_row));

  at::parallel_for(0, B, 1, [&](int64_t first, int64_t last) {
    // The stream read after (b, h)'s within this thread's rows: (b, h + 1), then (b + 1, 0).
    auto next_stream = [&](const float* data, int64_t s0, int64_t s1, int64_t b, int64_t h) -> const float* {
      if (h + 1 < kvh) return data + b * s0 + (h + 1) * s1;
      return b + 1 < last ? data + (b + 1) * s0 : nullptr;
    };
    const int64_t most = std::min(block_rows, last - first);
    at::Tensor scores = at::empty({most * kvh * g, T}, q.options()), probs = at::empty_like(scores);
    for (int64_t b0 = first; b0 < last; b0 += block_rows) {
      const int64_t n = std::min(block_rows, last - b0);
      float* s = scores.data_ptr<float>();
      // ---- s[b, h, j, t]: each key row read once for the g query heads that share it
      for (int64_t b = b0; b < b0 + n; ++b)
        for (int64_t h = 0; h < kvh; ++h) {
          float* row_scores = s + ((b - b0) * kvh + h) * g * T;  // [g, T]
          const float* qh = q_data + (b * kvh + h) * g * hd;     // [g, hd]
          const float* kh = k_data + b * ks0 + h * ks1;
          const CacheStream keys{kh, next_stream(k_data, ks0, ks1, b, h), T, ks2, hd};
          // One key's score for query head j: scaled, soft-capped, masked.
          auto put = [&](int64_t j, int64_t t, float dot) {
            float score = dot * scale_f;
            if (softcap) score = std::tanh(score / cap) * cap;
            row_scores[j * T + t] = mask_data[b * T + t] ? score : lowest;
          };
          int64_t t = 0;
          for (; t + 4 <= T; t += 4) {
            const float* kt = kh + t * ks2;
            for (int64_t i = 0; i < 4; ++i) keys.prefetch_ahead(t + i);
            for (int64_t j = 0; j < g; ++j) {
              const Lanes four = dot_four(qh + j * hd, kt, kt + ks2, kt + 2 * ks2, kt + 3 * ks2, hd);
              for (int64_t i = 0; i < 4; ++i) put(j, t + i, four[i]);
            }
          }
          for (; t < T; ++t)
            for (int64_t j = 0; j < g; ++j) put(j, t, dot_one(qh + j * hd, kh + t * ks2, hd));
        }
      at::Tensor block_scores = scores.slice(0, 0, n * kvh * g), block_probs = probs.slice(0, 0, n * kvh * g);
      at::softmax_out(block_probs, block_scores, -1);
      const float* p = block_probs.data_ptr<float>();
      // ---- out[b, h, j] = Σ_t p[b, h, j, t] · v[b, h, t]: each value row read once
      for (int64_t b = b0; b < b0 + n; ++b)
        for (int64_t h = 0; h < kvh; ++h) {
          const float* row_probs = p + ((b - b0) * kvh + h) * g * T;  // [g, T]
          float* oh = out_data + (b * kvh + h) * g * hd;               // [g, hd]
          const CacheStream values{v_data + b * vs0 + h * vs1, next_stream(v_data, vs0, vs1, b, h), T, vs2, hd};
          // Blocks of 16 dimensions for pairs of heads in registers; the dimensions past the
          // last block (head_dim not a multiple of 16) element by element, in the same order.
          const int64_t blocked = hd - hd % 16;
          for (int64_t j = 0; j < g; j += 2)
            for (int64_t d = 0; d < blocked; d += 16)
              weighted_sum_block(row_probs, values, j, std::min<int64_t>(2, g - j), d, oh);
          if (blocked == hd) continue;
          for (int64_t j = 0; j < g; ++j) std::fill(oh + j * hd + blocked, oh + (j + 1) * hd, 0.0f);
          for (int64_t t = 0; t < T; ++t)
            for (int64_t j = 0; j < g; ++j)
              add_scaled(row_probs[j * T + t], values.row(t) + blocked, oh + j * hd + blocked, hd - blocked);
        }
    }
  });
  return out;
}

}  // namespace sppo
