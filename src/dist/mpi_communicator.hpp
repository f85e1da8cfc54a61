#pragma once
// defines: sppo::MpiCommunicator, the Communicator over MPI for CPU tensors.
// bf16/f16 reductions are done in f32 (MPI has no such types, and summing in 16 bits loses
// the low bits of every gradient); gathers and broadcasts move their bytes unchanged. On a
// serial group every collective is the local copy it amounts to.
#include "dist/communicator.hpp"

namespace sppo {

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(RankGroup group);

  std::string backend() const override { return "mpi"; }
  c10::Device device() const override { return c10::Device(c10::kCPU); }

  void all_gather_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts) override;
  void reduce_scatter_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts,
                        ReduceOp op) override;
  void all_reduce(at::Tensor& tensor, ReduceOp op) override;
  void broadcast(at::Tensor& tensor, int root) override;
  void barrier() override;
};

}  // namespace sppo
