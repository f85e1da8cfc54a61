#include "generate/sampler.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>

#include "core/error.hpp"
#include "generate/mass_select.hpp"

namespace sppo {
namespace {

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

// What one thread's rows reuse, row after row: the bucket masses, the gather's ids, the edge
// bucket's members (and a copy the top-p selection rearranges), the pick's candidates.
struct RowScratch {
  MassBuckets buckets;
  std::vector<int32_t> ids;
  std::vector<Candidate> kept, kept_copy, other;
};

int32_t sample_row(const float* probs, int64_t vocab, double u, const SamplingParams& params, RowScratch& work) {
  MassBuckets& buckets = work.buckets;
  std::vector<Candidate>& kept = work.kept;
  std::vector<Candidate>& other = work.other;
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
  // The kept mass lies in [above_edge, above_edge + the edge's mass], so the inverse CDF's
  // target u × (kept mass) does too, scaled by u: the buckets between those two targets' are
  // the only ones, besides the edge, the pick can lie in. They are gathered in the same pass.
  double unused = 0;
  const int high = buckets.find(u * above_edge, /*strict=*/true, &unused);
  const int low = buckets.find(u * (above_edge + buckets.mass(edge)), /*strict=*/true, &unused);
  gather_buckets(probs, vocab, edge, std::max(low, edge + 1), high < 0 ? edge : high, work.ids, kept, other);
  // A row of NaN (NaN or +inf logits, or all -inf) has no bucket of positive mass to select in.
  if (kept.empty()) throw Error("sample_tokens: a row of logits gives no finite probabilities (NaN or infinite logits)");
  work.kept_copy = kept;
  const Selection last = select_in_bucket(work.kept_copy, above_edge, params.top_p, /*strict=*/false);
  const double kept_mass = above_edge + last.within;
  // Inverse CDF over the kept tokens in sorted order: the first whose cumulative mass exceeds
  // u × (their mass); in a bucket above the edge, or among the edge's kept members.
  const double target = u * kept_mass;
  double before_pick = 0;
  const int pick = buckets.find(target, /*strict=*/true, &before_pick);
  if (pick > edge) {
    keep_bucket(other, pick);
    return select_in_bucket(other, before_pick, target, /*strict=*/true).chosen.id;
  }
  const Candidate chosen = select_in_bucket(kept, above_edge, target, /*strict=*/true).chosen;
  return before(last.chosen, chosen) ? last.chosen.id : chosen.id;  // never past the kept ones (rounding)
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
  // T as a float tensor of one element: the same quotients as dividing by the number, whose
  // double makes ATen cast it on every element's way (12 against 7 µs per 32000-entry row).
  const at::Tensor temperature = at::scalar_tensor(params.temperature, at::kFloat);
  at::parallel_for(0, rows, 1, [&](int64_t first, int64_t last) {
    RowScratch work;
    const int64_t most = std::min(kBlock, last - first);
    at::Tensor scaled = at::empty({most, vocab}, at::kFloat), probs = at::empty({most, vocab}, at::kFloat);
    for (int64_t b = first; b < last; b += kBlock) {
      const int64_t n = std::min(kBlock, last - b);
      at::Tensor s = scaled.slice(0, 0, n), p = probs.slice(0, 0, n);
      at::div_out(s, scores.slice(0, b, b + n), temperature);
      at::softmax_out(p, s, -1);
      const float* row = p.data_ptr<float>();
      for (int64_t r = b; r < b + n; ++r, row += vocab)
        out[r] = sample_row(row, vocab, uniforms[static_cast<std::size_t>(r)], params, work);
    }
  });
  return tokens;
}

}  // namespace sppo
