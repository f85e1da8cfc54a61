#pragma once
// defines: DeviceFacts (what this process can compute on), choose_device, the rule that turns
// dist.device into a rank's compute device, and describe_device for the per-rank log line.
#include <c10/core/Device.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.hpp"

namespace sppo {

struct DeviceFacts {
  bool torch_has_cuda = false;  // the LibTorch build carries CUDA (Debian's does not)
  int visible_gpus = 0;         // after CUDA_VISIBLE_DEVICES
};

// What this process's LibTorch and driver offer (at::hasCUDA, at::getNumGPUs).
DeviceFacts probe_devices();

// dist.device -> this rank's device:
//   cpu: the CPU;
//   auto: GPU when the build has CUDA and a GPU is visible, else the CPU;
//   cuda: a GPU, or ConfigError (one line, naming the key) when the build has no CUDA or no
//         GPU is visible.
// The GPU is (node-local rank) mod (visible GPUs): the node-local rank is SLURM_LOCALID when
// Slurm sets it, else the rank's place among the ranks sharing its node (MPI_COMM_TYPE_SHARED);
// with CUDA_VISIBLE_DEVICES narrowed per task (srun --gpus-per-task=1) every rank sees GPU 0.
c10::Device choose_device(DeviceSetting setting, const DeviceFacts& facts, int node_local_rank,
                          std::optional<int> slurm_localid = std::nullopt);

// "cpu", or "cuda:1 (NVIDIA H200, 139.8 GiB)" when the CUDA runtime is linked in.
std::string describe_device(c10::Device device);

// Bytes of the GPU's memory in use now (every process's, as cudaMemGetInfo sees it; torch's
// caching allocator keeps what a stage reserved, so after a stage this is close to its
// peak); -1 for the CPU or without the CUDA runtime.
int64_t device_memory_in_use(c10::Device device);

}  // namespace sppo
