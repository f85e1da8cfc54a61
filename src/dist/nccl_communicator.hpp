#pragma once
// defines: sppo::NcclCommunicator, the Communicator over NCCL for CUDA tensors on this
// rank's GPU (chosen by the runtime context from the rank's place on its node). Compiled only
// when CMake finds CUDA and NCCL; it needs the CUDA runtime and NCCL alone, not LibTorch's
// CUDA libraries, so it builds on a machine without a GPU and runs where LibTorch has CUDA.
#include <memory>

#include "dist/communicator.hpp"

namespace sppo {

// Number of CUDA devices this process sees (0 without a driver).
int nccl_device_count();

class NcclCommunicator final : public Communicator {
 public:
  // Collective over `group`: rank 0 makes the ncclUniqueId and broadcasts it over the group.
  NcclCommunicator(RankGroup group, int device);
  ~NcclCommunicator() override;

  std::string backend() const override { return "nccl"; }
  c10::Device device() const override { return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(device_)); }

  void all_gather_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts) override;
  void reduce_scatter_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts,
                        ReduceOp op) override;
  void all_reduce(at::Tensor& tensor, ReduceOp op) override;
  void broadcast(at::Tensor& tensor, int root) override;
  void barrier() override;

  struct State;  // NCCL communicator, CUDA stream and events, kept out of this header

 private:
  std::unique_ptr<State> state_;
  int device_ = 0;
};

}  // namespace sppo
