#pragma once
// defines: FlatLayout, where each parameter of one FSDP unit sits in the unit's flat buffer
// and which slice of it each rank owns. Pure arithmetic, no MPI, no torch.
//
// Invariants (DESIGN.md §5):
//  * parameters are laid out back to back in spec order: offset(i) = Σ_{j<i} numel(j);
//  * the buffer is padded with zeros to padded_numel = ceil(numel / world) · world, so every
//    rank owns exactly shard_numel = padded_numel / world elements: rank r owns
//    [r · shard_numel, (r + 1) · shard_numel), which all_gather and reduce_scatter need
//    equal on every rank;
//  * padding depends on the world size, checkpoints must not: they store the first `numel`
//    elements only (owned_real_range tells which of those a rank holds).
#include <cstdint>
#include <vector>

namespace sppo {

class FlatLayout {
 public:
  FlatLayout(std::vector<int64_t> param_numels, int64_t world_size);

  int64_t numel() const { return numel_; }                // real elements
  int64_t padded_numel() const { return padded_numel_; }  // numel rounded up to a multiple of world
  int64_t shard_numel() const { return padded_numel_ / world_; }
  int64_t world_size() const { return world_; }
  int64_t params() const { return static_cast<int64_t>(offsets_.size()); }
  int64_t offset(int64_t param) const { return offsets_[static_cast<std::size_t>(param)]; }
  int64_t param_numel(int64_t param) const { return numels_[static_cast<std::size_t>(param)]; }

  // [begin, end) of the padded buffer owned by `rank`.
  int64_t shard_begin(int64_t rank) const { return rank * shard_numel(); }
  int64_t shard_end(int64_t rank) const { return (rank + 1) * shard_numel(); }
  // The part of the owned slice that holds real elements (empty for a rank owning only padding).
  int64_t real_begin(int64_t rank) const;
  int64_t real_end(int64_t rank) const;

 private:
  std::vector<int64_t> numels_;
  std::vector<int64_t> offsets_;
  int64_t numel_ = 0;
  int64_t padded_numel_ = 0;
  int64_t world_ = 1;
};

}  // namespace sppo
