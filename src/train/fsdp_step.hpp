#pragma once
// defines: the FSDP-style training schedule of DESIGN.md §5 for one micro-batch: forward
// unit by unit on all-gathered parameters keeping only unit inputs, then backward last unit
// first, re-gathering and recomputing each unit with autograd and reduce-scattering its
// gradients into the owned slices. Every rank runs the same sequence of collectives, rows or
// not.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/config.hpp"
#include "dist/communicator.hpp"
#include "train/sharded_model.hpp"

namespace sppo {

// Rows of one micro-batch on this rank (B may be 0).
struct TrainRows {
  at::Tensor ids;             // [B, L] int64, right-padded
  at::Tensor mask;            // [B, L] int64
  at::Tensor response_start;  // [B] int64
  at::Tensor ref_logp;        // [B] float32
  at::Tensor win_prob;        // [B] float32
  int64_t rows() const { return ids.defined() ? ids.size(0) : 0; }
  // Rows [begin, end), trimmed to their longest real length.
  TrainRows slice(int64_t begin, int64_t end) const;
  // The same rows on `device` (built on the host, moved once per micro-batch).
  TrainRows to(c10::Device device) const;
};

// What one micro-batch contributed on this rank, for metrics.csv.
struct MicroBatchStats {
  double term_sum = 0;          // Σ loss terms (before the division by the global count)
  double logratio_chosen = 0;   // Σ a(y) over chosen rows (every row for one-row losses)
  double logratio_rejected = 0; // Σ a(y) over rejected rows of pairs
  double term_chosen = 0;       // Σ of the per-row loss term over chosen rows (per-row losses)
  double term_rejected = 0;     // ... and over rejected rows
  int64_t chosen = 0, rejected = 0;
  int64_t tokens = 0;           // real tokens processed
  double gather_seconds = 0;    // this rank's all-gathers (GatherSequence), and how long the
  double gather_wait_seconds = 0;  // compute waited for them; not reduced over ranks
  MicroBatchStats& operator+=(const MicroBatchStats& o);
};

// Adds to every unit's owned gradient the gradient of Σ loss_terms / global_count (the
// count the loss averages over: rows, pairs or response tokens of the whole global batch),
// so that summed over ranks and micro-batches it is the gradient of the mean over the global
// batch. Pairs must not be split between ranks or micro-batches.
// `prefetch_comm` (a second communicator over the same ranks, or null): gathers run one unit
// ahead on it from a helper thread (needs MPI_THREAD_MULTIPLE).
// `recompute` (train.activation_checkpointing on): the forward keeps only each layer's input,
// and the backward gathers each layer again and recomputes its forward with autograd. Off:
// the forward keeps every layer's graph and gathered weights, and the backward gathers
// nothing (one forward and L+1 gathers fewer; the whole model's gathered weights and
// activations in memory). Both give the same gradients.
MicroBatchStats accumulate_gradients(ShardedModel& model, Communicator& comm, const TrainRows& rows, LossKind loss,
                                     double beta, int64_t global_count, at::ScalarType compute_dtype,
                                     Communicator* prefetch_comm = nullptr, bool recompute = true);

// Σ log π(y|x) over the response tokens of `rows` ([B] float32) with the sharded model,
// forward only, unit by unit on gathered parameters. Collective: a rank with no rows still
// runs the gathers.
at::Tensor sharded_response_logp(ShardedModel& model, Communicator& comm, const TrainRows& rows,
                                 at::ScalarType compute_dtype, Communicator* prefetch_comm = nullptr);

// The per-sample SPPO form (loss sppo) over `global_rows` rows: the fixtures' objective.
double accumulate_sppo_gradients(ShardedModel& model, Communicator& comm, const TrainRows& rows, int64_t global_rows,
                                 double beta, at::ScalarType compute_dtype, Communicator* prefetch_comm = nullptr);

}  // namespace sppo
