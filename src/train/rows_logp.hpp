#pragma once
// defines: rows_logp, log π(y|x) of many training rows through the sharded model (the
// reference log-probabilities of a JSONL training set, the log-ratios of `sppo eval`).
#include <cstdint>
#include <vector>

#include "dist/communicator.hpp"
#include "model/causal_lm.hpp"
#include "train/dataset.hpp"
#include "train/sharded_model.hpp"

namespace sppo {

// Collective: rank r scores rows r, r + world, ... in batches of `batch`, every rank running
// the same number of batches (empty ones included); the ranks' values are then summed, so
// every rank returns all rows' values.
std::vector<float> rows_logp(ShardedModel& policy, const std::vector<const TrainRow*>& rows, int64_t batch,
                             Communicator& comm, Communicator* prefetch_comm);

// The same through a whole model on this process, all rows in one batch (`sppo score`, the
// Nash experiment's answer distribution): the training set's padding and response sum.
std::vector<double> rows_logp(const CausalLM& model, const std::vector<TrainRow>& rows);

}  // namespace sppo
