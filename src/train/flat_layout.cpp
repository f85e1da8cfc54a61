#include "train/flat_layout.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace sppo {

FlatLayout::FlatLayout(std::vector<int64_t> param_numels, int64_t world_size)
    : numels_(std::move(param_numels)), world_(world_size) {
  if (world_ < 1) throw Error("FlatLayout: expected world size >= 1, got " + std::to_string(world_));
  for (int64_t n : numels_) {
    if (n < 0) throw Error("FlatLayout: expected parameter sizes >= 0, got " + std::to_string(n));
    offsets_.push_back(numel_);
    numel_ += n;
  }
  padded_numel_ = (numel_ + world_ - 1) / world_ * world_;
  if (padded_numel_ == 0) padded_numel_ = world_;  // an empty unit still owns one element per rank
}

int64_t FlatLayout::real_begin(int64_t rank) const { return std::min(shard_begin(rank), numel_); }
int64_t FlatLayout::real_end(int64_t rank) const { return std::min(shard_end(rank), numel_); }

}  // namespace sppo
