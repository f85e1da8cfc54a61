#pragma once
// defines: sppo::NcclCommunicator, the Communicator over NCCL for CUDA tensors (one GPU per
// rank, chosen by the rank's place on its node). Compiled only when CMake finds CUDA and NCCL;
// it needs the CUDA runtime and NCCL alone, not LibTorch's CUDA libraries, so it builds on a
// machine without a GPU and runs where LibTorch has CUDA.
#include <mpi.h>

#include "dist/communicator.hpp"

namespace sppo {

// Number of CUDA devices this process sees (0 without a driver).
int nccl_device_count();

class NcclCommunicator final : public Communicator {
 public:
  // Collective over `comm`: rank 0 makes the ncclUniqueId and broadcasts it over MPI.
  explicit NcclCommunicator(MPI_Comm comm);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "nccl"; }
  int device() const { return device_; }

  void all_gather_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts) override;
  void reduce_scatter_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts,
                        ReduceOp op) override;
  void all_reduce(at::Tensor& tensor, ReduceOp op) override;
  void broadcast(at::Tensor& tensor, int root) override;
  void barrier() override;

 private:
  struct State;  // NCCL communicator and CUDA stream, kept out of this header
  State* state_ = nullptr;
  int rank_ = 0;
  int size_ = 1;
  int device_ = 0;
};

}  // namespace sppo
