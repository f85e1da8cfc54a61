#pragma once
// defines: training checkpoints (DESIGN.md §4): one HDF5 file per save holding, per unit,
// the full flat fp32 master vector and each optimizer state as datasets of the unpadded
// length (padding depends on the world size, a checkpoint must not), each rank writing the
// real part of its own slice; plus step, epoch and data position. Any number of ranks can
// read any checkpoint: loading is a hyperslab read of the new slices.
//
//   /unit<u>/master, /unit<u>/<state>   [numel_u] float32
//   root attributes: sppo_schema = "checkpoint", schema_version, optimizer, step, epoch,
//                    data_position, world_size (of the writer, for information)
#include <cstdint>
#include <optional>
#include <string>

#include "dist/rank_group.hpp"
#include "train/optimizer.hpp"
#include "train/sharded_model.hpp"

namespace sppo {

struct TrainProgress {
  int64_t step = 0;           // optimizer steps completed
  int64_t epoch = 0;
  int64_t data_position = 0;  // examples of the current epoch consumed
};

// Collective. Written as "<path>.partial" and renamed when whole: a crash never leaves a
// file at `path` that looks complete but is not.
void save_checkpoint(const std::string& path, const ShardedModel& model, Optimizer& optimizer,
                     const std::string& optimizer_name, const TrainProgress& progress, const RankGroup& group);

// Collective. Fills this rank's slices (padding zero) and the optimizer state; checks the
// unit sizes and the optimizer against the file. Throws FormatError naming the file.
TrainProgress load_checkpoint(const std::string& path, ShardedModel& model, Optimizer& optimizer,
                              const std::string& optimizer_name, const RankGroup& group);

// The newest complete checkpoint "step-<n>.h5" in `folder`, if any.
std::optional<std::string> newest_checkpoint(const std::string& folder);

// Removes all but the newest `keep` (at least 1) complete checkpoints of `folder`; returns
// how many it removed. One rank; after a new checkpoint is in place.
int64_t prune_checkpoints(const std::string& folder, int64_t keep);

}  // namespace sppo
