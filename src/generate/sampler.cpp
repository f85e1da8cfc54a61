#include "generate/sampler.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace sppo {
namespace {

// A candidate token. The order of SPEC.md's "sorted probabilities" is probability
// descending, then id ascending: a total order, so every result below is unique.
struct Candidate {
  float p;
  int32_t id;
};
bool before(const Candidate& a, const Candidate& b) { return a.p > b.p || (a.p == b.p && a.id < b.id); }

// Weighted selection: the element of [begin, end) at which the cumulative mass, taken in
// sorted order starting from `mass_before`, first reaches `target` (strict = false:
// cumulative >= target; strict = true: cumulative > target). The range is rearranged so
// that everything before the returned element precedes it in sorted order; `mass_through`
// is the cumulative mass including it. A quickselect that partitions around a pivot, sums
// the mass of the side that comes first, and recurses into one side: expected O(n).
// Returns end - 1 when the whole range does not reach the target (rounding).
Candidate* select_by_mass(Candidate* begin, Candidate* end, double mass_before, double target, bool strict,
                          double* mass_through) {
  auto reached = [&](double cumulative) { return strict ? cumulative > target : cumulative >= target; };
  while (end - begin > 1) {
    // Pivot: median of first, middle and last, moved to the front.
    Candidate* mid = begin + (end - begin) / 2;
    Candidate* lastp = end - 1;
    if (before(*mid, *begin)) std::swap(*mid, *begin);
    if (before(*lastp, *begin)) std::swap(*lastp, *begin);
    if (before(*lastp, *mid)) std::swap(*lastp, *mid);
    std::swap(*begin, *mid);  // the median is now at begin
    const Candidate pivot = *begin;
    // Lomuto partition of (begin, end): elements before the pivot go to the front.
    Candidate* store = begin + 1;
    double ahead = 0;  // mass of the elements that precede the pivot
    for (Candidate* c = begin + 1; c < end; ++c)
      if (before(*c, pivot)) {
        ahead += c->p;
        std::swap(*c, *store++);
      }
    Candidate* pivot_at = store - 1;
    std::swap(*begin, *pivot_at);  // [begin, pivot_at) precede the pivot, (pivot_at, end) follow it
    if (reached(mass_before + ahead)) {
      end = pivot_at;
    } else if (reached(mass_before + ahead + pivot.p)) {
      *mass_through = mass_before + ahead + pivot.p;
      return pivot_at;
    } else {
      mass_before += ahead + pivot.p;
      begin = pivot_at + 1;
    }
  }
  *mass_through = mass_before + (end > begin ? begin->p : 0.0);
  return begin < end ? begin : end - 1;
}

// The probabilities of one row grouped by magnitude: a non-negative float's bit pattern grows
// with its value, so its top 12 bits (sign, exponent and 3 mantissa bits) give buckets that
// are ranges of probability in sorted order, bucket b holding values within a factor 2^(1/8).
// One pass sums each bucket's mass; a walk over the buckets from the top finds the one where a
// cumulative mass is reached, and only that bucket's members are selected among.
class MassBuckets {
 public:
  static constexpr int kShift = 20;
  static constexpr int kBuckets = 1 << (31 - kShift);  // sign bit clear: probabilities >= 0

  static uint32_t bucket_of(float p) {
    uint32_t bits;
    std::memcpy(&bits, &p, sizeof bits);
    return bits >> kShift;
  }

  void fill(const float* probs, int64_t vocab) {
    mass_.assign(kBuckets, 0.0);
    count_.assign(kBuckets, 0);
    for (int64_t i = 0; i < vocab; ++i) {
      const uint32_t b = bucket_of(probs[i]);
      mass_[b] += probs[i];
      ++count_[b];
    }
  }

  // The highest bucket b at which the mass of the buckets from the top down to b reaches
  // `target` (strict: exceeds it); *before = the mass of the buckets above b. -1 when no bucket
  // does (rounding): then *before is the whole mass.
  int find(double target, bool strict, double* before) const {
    double cumulative = 0;
    for (int b = kBuckets - 1; b >= 0; --b) {
      if (count_[static_cast<std::size_t>(b)] == 0) continue;
      const double through = cumulative + mass_[static_cast<std::size_t>(b)];
      if (strict ? through > target : through >= target) {
        *before = cumulative;
        return b;
      }
      cumulative = through;
    }
    *before = cumulative;
    return -1;
  }

  // The mass of the buckets above b, summed as find sums it.
  double mass_above(int b) const {
    double cumulative = 0;
    for (int i = kBuckets - 1; i > b; --i) cumulative += mass_[static_cast<std::size_t>(i)];
    return cumulative;
  }

  // The lowest non-empty bucket (the row's smallest probabilities).
  int lowest() const {
    for (int b = 0; b < kBuckets; ++b)
      if (count_[static_cast<std::size_t>(b)] > 0) return b;
    return 0;
  }
  int64_t count(int b) const { return count_[static_cast<std::size_t>(b)]; }

 private:
  std::vector<double> mass_;
  std::vector<int64_t> count_;
};

// The members of bucket `b`, ids ascending (written without a branch: every element is
// stored, and the end advances only past members).
void gather_bucket(const float* probs, int64_t vocab, int b, int64_t count, std::vector<Candidate>& out) {
  out.resize(static_cast<std::size_t>(count) + 1);
  Candidate* end = out.data();
  for (int64_t i = 0; i < vocab; ++i) {
    *end = {probs[i], static_cast<int32_t>(i)};
    end += MassBuckets::bucket_of(probs[i]) == static_cast<uint32_t>(b);
  }
  out.resize(static_cast<std::size_t>(count));
}

// top_k > 0: the k most probable in sorted order, then top-p and the inverse CDF over them.
int32_t sample_top_k(const float* probs, int64_t vocab, double u, const SamplingParams& params,
                     std::vector<Candidate>& scratch) {
  scratch.resize(static_cast<std::size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i) scratch[static_cast<std::size_t>(i)] = {probs[i], static_cast<int32_t>(i)};
  Candidate* begin = scratch.data();
  Candidate* end = begin + vocab;
  std::nth_element(begin, begin + params.top_k, end, before);  // the top_k, in any order
  end = begin + params.top_k;
  double kept_mass = 0;
  end = select_by_mass(begin, end, 0.0, params.top_p, /*strict=*/false, &kept_mass) + 1;
  double through = 0;
  return select_by_mass(begin, end, 0.0, u * kept_mass, /*strict=*/true, &through)->id;
}

int32_t sample_row(const float* probs, int64_t vocab, double u, const SamplingParams& params, MassBuckets& buckets,
                   std::vector<Candidate>& kept, std::vector<Candidate>& other) {
  if (params.top_k > 0 && params.top_k < vocab) return sample_top_k(probs, vocab, u, params, kept);
  buckets.fill(probs, vocab);
  // Smallest prefix whose mass reaches top_p (at least one token): keep through `last`, which
  // lies in bucket `edge` (the lowest bucket when rounding leaves the total short of top_p).
  double above_edge = 0;
  int edge = buckets.find(params.top_p, /*strict=*/false, &above_edge);
  if (edge < 0) {
    edge = buckets.lowest();
    above_edge = buckets.mass_above(edge);
  }
  gather_bucket(probs, vocab, edge, buckets.count(edge), kept);
  double kept_mass = 0;
  Candidate* last = select_by_mass(kept.data(), kept.data() + kept.size(), above_edge, params.top_p,
                                   /*strict=*/false, &kept_mass);
  // Inverse CDF over the kept tokens in sorted order: the first whose cumulative mass exceeds
  // u × (their mass); in a bucket above the edge, or among the edge's kept members.
  const double target = u * kept_mass;
  double before_pick = 0;
  const int pick = buckets.find(target, /*strict=*/true, &before_pick);
  double through = 0;
  if (pick > edge) {
    gather_bucket(probs, vocab, pick, buckets.count(pick), other);
    return select_by_mass(other.data(), other.data() + other.size(), before_pick, target, true, &through)->id;
  }
  return select_by_mass(kept.data(), last + 1, above_edge, target, /*strict=*/true, &through)->id;
}

void check_uniforms(const at::Tensor& logits, const std::vector<double>& uniforms) {
  if (static_cast<int64_t>(uniforms.size()) != logits.size(0))
    throw Error("sample_tokens: expected " + std::to_string(logits.size(0)) + " uniforms, got " +
                std::to_string(uniforms.size()));
}

}  // namespace

at::Tensor sample_tokens_sorted(const at::Tensor& logits, const std::vector<double>& uniforms,
                                const SamplingParams& params) {
  check_uniforms(logits, uniforms);
  if (params.temperature <= 0) return logits.argmax(-1);
  const int64_t vocab = logits.size(1);
  const at::Tensor probs = at::softmax(logits.to(at::kFloat) / params.temperature, -1);
  // Probability descending, equal probabilities by id ascending (a stable sort keeps id order).
  auto [sorted, ids] = at::sort(probs, /*stable=*/true, /*dim=*/-1, /*descending=*/true);
  if (params.top_k > 0 && params.top_k < vocab) {
    sorted = sorted.slice(1, 0, params.top_k);
    ids = ids.slice(1, 0, params.top_k);
  }
  const int64_t n = sorted.size(1);
  const at::Tensor cumulative = sorted.to(at::kDouble).cumsum(1);  // [B, n]
  // top-p: keep through the first token whose cumulative mass reaches top_p (all n when
  // rounding leaves the total short): kept = min(n, 1 + #{i : cum_i < top_p}).
  const at::Tensor kept = ((cumulative < params.top_p).sum(1, /*keepdim=*/true) + 1).clamp_max(n);  // [B, 1]
  const at::Tensor kept_mass = cumulative.gather(1, kept - 1);                                         // [B, 1]
  // Inverse CDF: the first kept token whose cumulative mass exceeds u × kept_mass.
  const at::Tensor u = at::tensor(uniforms, at::kDouble).to(logits.device()).unsqueeze(1);
  const at::Tensor position = at::minimum((cumulative <= u * kept_mass).sum(1, /*keepdim=*/true), kept - 1);
  return ids.gather(1, position).squeeze(1);
}

at::Tensor sample_tokens(const at::Tensor& logits, const std::vector<double>& uniforms, const SamplingParams& params) {
  if (!logits.device().is_cpu()) return sample_tokens_sorted(logits, uniforms, params);
  check_uniforms(logits, uniforms);
  const int64_t rows = logits.size(0), vocab = logits.size(1);
  if (params.temperature <= 0) return logits.argmax(-1);

  const at::Tensor scores = logits.to(at::kFloat);
  at::Tensor tokens = at::empty({rows}, at::kLong);
  int64_t* out = tokens.data_ptr<int64_t>();
  // Rows in parallel, each O(vocab) (MassBuckets). softmax(logits / T) is taken a block of rows
  // at a time into two small buffers that each thread reuses: four rows of a 32000 vocabulary
  // (1 MiB for both) stay in a core's cache for the sampling that reads them, and no [rows,
  // vocab] tensor is mapped and faulted in per step. Each row's probabilities are the same bits
  // as those of a softmax over all rows at once, and each row's pick is made on one thread
  // from its own row alone, so the tokens do not depend on the thread count.
  constexpr int64_t kBlock = 4;
  at::parallel_for(0, rows, 1, [&](int64_t first, int64_t last) {
    MassBuckets buckets;
    std::vector<Candidate> kept, other;
    const int64_t most = std::min(kBlock, last - first);
    at::Tensor scaled = at::empty({most, vocab}, at::kFloat), probs = at::empty({most, vocab}, at::kFloat);
    for (int64_t b = first; b < last; b += kBlock) {
      const int64_t n = std::min(kBlock, last - b);
      at::Tensor s = scaled.slice(0, 0, n), p = probs.slice(0, 0, n);
      at::div_out(s, scores.slice(0, b, b + n), params.temperature);
      at::softmax_out(p, s, -1);
      const float* row = p.data_ptr<float>();
      for (int64_t r = b; r < b + n; ++r, row += vocab)
        out[r] = sample_row(row, vocab, uniforms[static_cast<std::size_t>(r)], params, buckets, kept, other);
    }
  });
  return tokens;
}

}  // namespace sppo
