#pragma once
// defines: sppo::Communicator, the only door to tensor collectives (DESIGN.md §3), and
// make_communicator. Tensors are flat views: a collective moves numel() elements of a
// contiguous tensor on the communicator's device; shapes are the caller's business. Every
// communicator is built on a RankGroup, whose host collectives (verdicts, counters) it
// exposes as group().
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "dist/rank_group.hpp"

namespace sppo {

enum class ReduceOp { sum, avg, max };

class Communicator {
 public:
  virtual ~Communicator() = default;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return group_.rank(); }
  int size() const { return group_.size(); }
  // The same ranks, for host-side collectives (dist/rank_group.hpp).
  const RankGroup& group() const { return group_; }
  virtual std::string backend() const = 0;
  // Where the tensors of its collectives live (CPU for MPI, this rank's GPU for NCCL).
  virtual c10::Device device() const = 0;

  // out = concat over ranks r of rank r's `in` (counts[r] elements); in.numel() == counts[rank],
  // out.numel() == sum(counts).
  virtual void all_gather_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts) = 0;
  // out (counts[rank] elements) = op over ranks of their `in` slice [offset_r, offset_r + counts[r]),
  // offset_r = sum of counts before r; in.numel() == sum(counts).
  virtual void reduce_scatter_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts,
                                ReduceOp op) = 0;
  virtual void all_reduce(at::Tensor& tensor, ReduceOp op) = 0;
  virtual void broadcast(at::Tensor& tensor, int root) = 0;
  virtual void barrier() = 0;

  // Equal shares: in.numel() == n on every rank, out.numel() == n * size().
  void all_gather(const at::Tensor& in, at::Tensor& out);
  // Equal shares: in.numel() == n * size(), out.numel() == n.
  void reduce_scatter(const at::Tensor& in, at::Tensor& out, ReduceOp op);

 protected:
  explicit Communicator(RankGroup group) : group_(std::move(group)) {}
  // One count per rank, or DistError "<collective>: expected N counts, got M".
  void check_counts(const char* collective, const std::vector<int64_t>& counts) const;

 private:
  RankGroup group_;
};

// Checks shared by every backend; throw DistError "<collective>: expected X, got Y".
void check_collective_args(const char* collective, const at::Tensor& in, const at::Tensor& out,
                           int64_t expected_in, int64_t expected_out);

// The backend `dist.backend` names on `device`: auto is NCCL for a CUDA device, MPI for the
// CPU; nccl on a CPU device or in a build without NCCL, and mpi on a CUDA device, are
// ConfigErrors naming the key. The communicator works on a duplicate of `group` (collective).
std::unique_ptr<Communicator> make_communicator(Backend backend, c10::Device device, const RankGroup& group);

// Whether this build carries the NCCL backend.
bool nccl_compiled();

}  // namespace sppo
