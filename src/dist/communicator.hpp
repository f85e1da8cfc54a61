#pragma once
// defines: sppo::Communicator, the only door to collectives (DESIGN.md §3), and
// make_communicator. Tensors are flat views: a collective moves numel() elements of a
// contiguous tensor; shapes are the caller's business.
#include <ATen/core/Tensor.h>
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace sppo {

enum class ReduceOp { sum, avg, max };

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backend() const = 0;

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
};

// Checks shared by every backend; throw DistError "<collective>: expected X, got Y".
void check_collective_args(const char* collective, const at::Tensor& in, const at::Tensor& out,
                           int64_t expected_in, int64_t expected_out);

// `backend` auto picks NCCL when it was compiled in and the process sees a GPU with a CUDA
// LibTorch, else MPI. The communicator works on a duplicate of `comm`.
std::unique_ptr<Communicator> make_communicator(Backend backend, MPI_Comm comm);

// Whether this build carries the NCCL backend.
bool nccl_compiled();

}  // namespace sppo
