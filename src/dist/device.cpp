#include "dist/device.hpp"

#include <ATen/Context.h>

#include <cstdio>

#include "core/error.hpp"

#if SPPO_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace sppo {

DeviceFacts probe_devices() {
  DeviceFacts facts;
  facts.torch_has_cuda = at::hasCUDA();
  facts.visible_gpus = facts.torch_has_cuda ? static_cast<int>(at::getNumGPUs()) : 0;
  return facts;
}

c10::Device choose_device(DeviceSetting setting, const DeviceFacts& facts, int node_local_rank,
                          std::optional<int> slurm_localid) {
  if (setting == DeviceSetting::cpu) return c10::Device(c10::kCPU);
  const bool usable = facts.torch_has_cuda && facts.visible_gpus > 0;
  if (setting == DeviceSetting::automatic && !usable) return c10::Device(c10::kCPU);
  if (!facts.torch_has_cuda)
    throw ConfigError("dist.device = cuda: this LibTorch build has no CUDA (Debian's libtorch is CPU-only); "
                      "build against a CUDA LibTorch (README: GPUs) or use dist.device cpu or auto");
  if (facts.visible_gpus <= 0)
    throw ConfigError("dist.device = cuda: no GPU is visible to this rank (check CUDA_VISIBLE_DEVICES and the "
                      "job's --gpus); use dist.device cpu or auto");
  const int local = slurm_localid.value_or(node_local_rank);
  if (local < 0) throw ConfigError("SLURM_LOCALID = " + std::to_string(local) + ": expected a non-negative integer");
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(local % facts.visible_gpus));
}

std::string describe_device(c10::Device device) {
  if (!device.is_cuda()) return device.str();
#if SPPO_HAVE_CUDA
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device.index()) == cudaSuccess) {
    char memory[32];
    std::snprintf(memory, sizeof memory, "%.1f GiB", static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024 * 1024));
    return device.str() + " (" + prop.name + ", " + memory + ")";
  }
#endif
  return device.str();
}

int64_t device_memory_in_use(c10::Device device) {
  if (!device.is_cuda()) return -1;
#if SPPO_HAVE_CUDA
  std::size_t free = 0, total = 0;
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess || cudaSetDevice(device.index()) != cudaSuccess) return -1;
  const bool ok = cudaMemGetInfo(&free, &total) == cudaSuccess;
  cudaSetDevice(previous);
  if (ok) return static_cast<int64_t>(total - free);
#endif
  return -1;
}

}  // namespace sppo
