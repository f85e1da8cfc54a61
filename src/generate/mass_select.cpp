#include "generate/mass_select.hpp"

#include <algorithm>
#include <array>

namespace sppo {
namespace {

// The digits select_in_bucket refines a bucket by, below its 12 top bits: (shift, width).
constexpr std::array<std::pair<int, int>, 3> kDigits{{{12, 8}, {4, 8}, {0, 4}}};
// Fewer members than this are sorted rather than split by another digit.
constexpr std::size_t kSortBelow = 48;

}  // namespace

void MassBuckets::fill(const float* probs, int64_t vocab) {
  // Between rows both arrays are zero outside [low_, high_] and mass_odd_ is zero everywhere,
  // so only the previous row's range needs clearing (a flat row touches a few dozen buckets).
  if (mass_.empty()) {
    mass_.assign(kBuckets, 0.0);
    mass_odd_.assign(kBuckets, 0.0);
  } else if (high_ >= low_) {
    std::fill(mass_.begin() + low_, mass_.begin() + high_ + 1, 0.0);
  }
  // Two accumulators, even and odd positions: neighbours that fall into one bucket (most of a
  // flat row's do) add into different slots instead of waiting on each other's store. The
  // sums are exact, so splitting them changes no bit.
  int64_t i = 0;
  for (; i + 1 < vocab; i += 2) {
    mass_[bucket_of(probs[i])] += probs[i];
    mass_odd_[bucket_of(probs[i + 1])] += probs[i + 1];
  }
  if (i < vocab) mass_[bucket_of(probs[i])] += probs[i];
  // The odd sums into the even ones, and the range of buckets that are not zero (NaN
  // included, so that the next row clears it too).
  low_ = kBuckets;
  high_ = -1;
  for (int b = 0; b < kBuckets; ++b) {
    const auto at = static_cast<std::size_t>(b);
    mass_[at] += mass_odd_[at];
    mass_odd_[at] = 0.0;
    if (mass_[at] != 0.0) {
      low_ = std::min(low_, b);
      high_ = b;
    }
  }
}

int MassBuckets::find(double target, bool strict, double* before) const {
  double cumulative = 0;
  for (int b = high_; b >= low_; --b) {
    const double m = mass_[static_cast<std::size_t>(b)];
    if (m == 0) continue;
    const double through = cumulative + m;
    if (strict ? through > target : through >= target) {
      *before = cumulative;
      return b;
    }
    cumulative = through;
  }
  *before = cumulative;
  return -1;
}

double MassBuckets::mass_above(int b) const {
  double cumulative = 0;
  for (int i = high_; i > b && i >= low_; --i) cumulative += mass_[static_cast<std::size_t>(i)];
  return cumulative;
}

int MassBuckets::lowest() const {
  for (int b = low_; b <= high_; ++b)
    if (mass_[static_cast<std::size_t>(b)] > 0) return b;
  return 0;
}

void gather_buckets(const float* probs, int64_t vocab, int edge, int low, int high, std::vector<int32_t>& ids,
                    std::vector<Candidate>& edge_members, std::vector<Candidate>& others) {
  // The ids of both kinds of member, written without a branch: every id is stored, and the end
  // advances only past a member (hence one spare slot). b in [low, high] is one unsigned
  // comparison; an empty range becomes [edge, edge], which adds nothing to the edge test.
  if (ids.size() < static_cast<std::size_t>(vocab) + 1) ids.resize(static_cast<std::size_t>(vocab) + 1);
  const uint32_t ue = static_cast<uint32_t>(edge);
  const uint32_t ulow = high >= low ? static_cast<uint32_t>(low) : ue;
  const uint32_t span = high >= low ? static_cast<uint32_t>(high - low) : 0;
  // Blocks of 64: first the membership of the whole block, a loop of fixed length that the
  // compiler vectorises, then the ids of a block that has a member (in a peaked row, few do).
  constexpr int64_t kBlock = 64;
  auto is_member = [&](float p) {
    const uint32_t b = MassBuckets::bucket_of(p);
    return static_cast<uint8_t>((b == ue) | (b - ulow <= span));
  };
  uint8_t member[kBlock];
  int32_t* end = ids.data();
  int64_t first = 0;
  for (; first + kBlock <= vocab; first += kBlock) {
    uint8_t any = 0;
    for (int64_t j = 0; j < kBlock; ++j) {
      member[j] = is_member(probs[first + j]);
      any |= member[j];
    }
    if (!any) continue;
    for (int64_t j = 0; j < kBlock; ++j) {
      *end = static_cast<int32_t>(first + j);
      end += member[j];
    }
  }
  for (int64_t i = first; i < vocab; ++i) {
    *end = static_cast<int32_t>(i);
    end += is_member(probs[i]);
  }
  // Each member into its list, also without a branch (edge or other is a coin toss in a flat
  // row): stored at the end of both lists, each end advancing only past its own members.
  const std::size_t members = static_cast<std::size_t>(end - ids.data());
  edge_members.resize(members);
  others.resize(members);
  Candidate* edge_end = edge_members.data();
  Candidate* others_end = others.data();
  for (const int32_t* id = ids.data(); id < end; ++id) {
    const Candidate c{probs[*id], *id};
    const bool in_edge = MassBuckets::bucket_of(c.p) == ue;
    *edge_end = c;
    edge_end += in_edge;
    *others_end = c;
    others_end += !in_edge;
  }
  edge_members.resize(static_cast<std::size_t>(edge_end - edge_members.data()));
  others.resize(static_cast<std::size_t>(others_end - others.data()));
}

void keep_bucket(std::vector<Candidate>& members, int b) {
  const uint32_t ub = static_cast<uint32_t>(b);
  members.erase(std::remove_if(members.begin(), members.end(),
                               [ub](const Candidate& c) { return MassBuckets::bucket_of(c.p) != ub; }),
                members.end());
}

Selection select_in_bucket(std::vector<Candidate>& members, double mass_before, double target, bool strict) {
  auto reached = [&](double within) {
    const double cumulative = mass_before + within;
    return strict ? cumulative > target : cumulative >= target;
  };
  double within = 0;  // the mass of the bucket's members above the current ones (exact)
  for (const auto& [shift, width] : kDigits) {
    if (members.size() < kSortBelow) break;
    const std::size_t digits = std::size_t{1} << width;
    const uint32_t digit_mask = static_cast<uint32_t>(digits - 1);
    std::array<double, 256> mass{};
    std::array<int32_t, 256> count{};
    for (const Candidate& c : members) {
      const uint32_t d = (MassBuckets::bits_of(c.p) >> shift) & digit_mask;
      mass[d] += c.p;
      ++count[d];
    }
    // From the highest digit down: the one where the target is reached, else the lowest
    // non-empty one (its last member is then the answer).
    std::size_t chosen = digits;
    double above_chosen = within;
    for (std::size_t d = digits; d-- > 0;) {
      if (count[d] == 0) continue;
      chosen = d;
      above_chosen = within;
      within += mass[d];
      if (reached(within)) break;
    }
    within = above_chosen;
    const uint32_t keep = static_cast<uint32_t>(chosen);
    members.erase(std::remove_if(members.begin(), members.end(),
                                 [&](const Candidate& c) { return ((MassBuckets::bits_of(c.p) >> shift) & digit_mask) != keep; }),
                  members.end());
  }
  std::sort(members.begin(), members.end(), before);
  for (const Candidate& c : members) {
    within += c.p;
    if (reached(within)) return {c, within};
  }
  return {members.back(), within};
}

}  // namespace sppo
