#pragma once
// defines: Candidate, MassBuckets, gather_buckets and select_in_bucket: the weighted
// selections of the CPU sampler (sampler.cpp) over one row of probabilities, in the sorted
// order of SPEC.md §1 (probability descending, then id ascending) without sorting the row.
#include <cstdint>
#include <cstring>
#include <vector>

namespace sppo {

// A candidate token.
struct Candidate {
  float p;
  int32_t id;
};
// SPEC.md's order: probability descending, then id ascending. A total order, so every
// selection below has one answer.
inline bool before(const Candidate& a, const Candidate& b) { return a.p > b.p || (a.p == b.p && a.id < b.id); }

// A non-negative float's bit pattern grows with its value, so its top 12 bits (sign, exponent
// and 3 mantissa bits) give buckets that are ranges of probability in sorted order, bucket b
// holding values within a factor 2^(1/8). Every member of one bucket is a multiple of the same
// power of two below 2^24 of it, so float64 sums of up to 2^29 members are exact, in any order:
// a bucket's mass, and any part of it, does not depend on how it was summed.
class MassBuckets {
 public:
  static constexpr int kShift = 20;
  static constexpr int kBuckets = 1 << (31 - kShift);  // sign bit clear: probabilities >= 0

  // A float's bit pattern; its top bits are the bucket, the rest select_in_bucket's digits.
  static uint32_t bits_of(float p) {
    uint32_t bits;
    std::memcpy(&bits, &p, sizeof bits);
    return bits;
  }
  static uint32_t bucket_of(float p) { return bits_of(p) >> kShift; }

  // One pass over the row: each bucket's mass. A bucket of mass 0 counts as empty (it can
  // hold only probabilities 0, which no selection below can pick).
  void fill(const float* probs, int64_t vocab);

  // The highest bucket b at which the mass of the buckets from the top down to b reaches
  // `target` (strict: exceeds it); *before = the mass of the buckets above b, summed from the
  // top. -1 when no bucket does (rounding): then *before is the whole mass.
  int find(double target, bool strict, double* before) const;
  // The mass of the buckets above b, summed as find sums it.
  double mass_above(int b) const;
  // The lowest non-empty bucket (the row's smallest probabilities).
  int lowest() const;
  double mass(int b) const { return mass_[static_cast<std::size_t>(b)]; }

 private:
  std::vector<double> mass_;
  std::vector<double> mass_odd_;  // fill's second accumulator (elements at odd positions)
  int low_ = 0, high_ = -1;       // the buckets that are not zero lie in [low_, high_]
};

// One pass over the row: the members of bucket `edge` into `edge_members`, and the members of
// the buckets in [low, high] other than `edge` into `others`, each in id order. `ids` is the
// pass's scratch (grown to the vocabulary once, reused row after row).
void gather_buckets(const float* probs, int64_t vocab, int edge, int low, int high, std::vector<int32_t>& ids,
                    std::vector<Candidate>& edge_members, std::vector<Candidate>& others);

// Keeps the members of bucket b, in their order.
void keep_bucket(std::vector<Candidate>& members, int b);

// A weighted selection's answer: the chosen member, and the mass of the bucket's members from
// its top through the chosen one (exact, see MassBuckets).
struct Selection {
  Candidate chosen;
  double within;
};

// Among the members of one bucket (non-empty, any order), which are preceded in sorted order by
// mass `mass_before`: the first, in sorted order, at which the cumulative mass mass_before + (their mass
// through it) reaches `target` (strict = false: >= target; strict = true: > target); the last
// member when none does (rounding). A radix selection on the remaining bits of the
// probability, 8 then 8 then 4 (the mass of each digit, then only the digit where the target is
// reached), and a sort of the few that are left; `members` is rearranged and shrunk.
Selection select_in_bucket(std::vector<Candidate>& members, double mass_before, double target, bool strict);

}  // namespace sppo
