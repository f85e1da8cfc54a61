#pragma once
// defines: sppo::MpiCommunicator, the Communicator over MPI for CPU tensors.
// bf16/f16 reductions are done in f32 (MPI has no such types, and summing in 16 bits loses
// the low bits of every gradient); gathers and broadcasts move their bytes unchanged.
#include "dist/communicator.hpp"
#include "dist/mpi_handles.hpp"

namespace sppo {

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(MPI_Comm comm);  // works on a duplicate of comm

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  void all_gather_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts) override;
  void reduce_scatter_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts,
                        ReduceOp op) override;
  void all_reduce(at::Tensor& tensor, ReduceOp op) override;
  void broadcast(at::Tensor& tensor, int root) override;
  void barrier() override;

  MPI_Comm comm() const { return comm_.get(); }

 private:
  MpiComm comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace sppo
