// dist.device -> a rank's compute device: the rule as a table, and what this machine offers.
#include "dist/device.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "core/error.hpp"

namespace sppo {
namespace {

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(Device, AutoIsTheGpuOnlyWhenTheBuildHasCudaAndOneIsVisible) {
  const DeviceFacts cpu_build{false, 0}, no_gpu{true, 0}, four{true, 4};
  EXPECT_EQ(choose_device(DeviceSetting::automatic, cpu_build, 0), c10::Device(c10::kCPU));
  EXPECT_EQ(choose_device(DeviceSetting::automatic, no_gpu, 0), c10::Device(c10::kCPU));
  EXPECT_EQ(choose_device(DeviceSetting::automatic, four, 2), c10::Device(c10::kCUDA, 2));
  EXPECT_EQ(choose_device(DeviceSetting::cpu, four, 2), c10::Device(c10::kCPU)) << "cpu wins over visible GPUs";
  EXPECT_EQ(choose_device(DeviceSetting::cuda, four, 3), c10::Device(c10::kCUDA, 3));
}

TEST(Device, TheGpuIsTheNodeLocalRankModuloTheVisibleGpusAndSlurmLocalIdWins) {
  const DeviceFacts two{true, 2}, one{true, 1};
  EXPECT_EQ(choose_device(DeviceSetting::cuda, two, 5), c10::Device(c10::kCUDA, 1));
  EXPECT_EQ(choose_device(DeviceSetting::cuda, two, 0, 3), c10::Device(c10::kCUDA, 1)) << "SLURM_LOCALID 3";
  // srun --gpus-per-task=1 narrows CUDA_VISIBLE_DEVICES to one GPU per task: always GPU 0.
  EXPECT_EQ(choose_device(DeviceSetting::cuda, one, 0, 7), c10::Device(c10::kCUDA, 0));
  EXPECT_EQ(refusal([&] { choose_device(DeviceSetting::cuda, two, 0, -1); }),
            "SLURM_LOCALID = -1: expected a non-negative integer");
}

TEST(Device, CudaWithoutACudaBuildOrWithoutAGpuIsOneLineNamingTheKey) {
  EXPECT_EQ(refusal([] { choose_device(DeviceSetting::cuda, DeviceFacts{false, 0}, 0); }),
            "dist.device = cuda: this LibTorch build has no CUDA (Debian's libtorch is CPU-only); build against a "
            "CUDA LibTorch (README: GPUs) or use dist.device cpu or auto");
  EXPECT_EQ(refusal([] { choose_device(DeviceSetting::cuda, DeviceFacts{true, 0}, 0); }),
            "dist.device = cuda: no GPU is visible to this rank (check CUDA_VISIBLE_DEVICES and the job's --gpus); use "
            "dist.device cpu or auto");
}

// This machine: Debian's LibTorch has no CUDA, so auto is the CPU, described as "cpu".
TEST(Device, ThisCpuOnlyBuildOffersTheCpu) {
  const DeviceFacts facts = probe_devices();
  if (facts.torch_has_cuda) GTEST_SKIP() << "a CUDA LibTorch: scripts/gpu-check covers it";
  EXPECT_EQ(facts.visible_gpus, 0);
  EXPECT_EQ(choose_device(DeviceSetting::automatic, facts, 0), c10::Device(c10::kCPU));
  EXPECT_EQ(describe_device(c10::Device(c10::kCPU)), "cpu");
}

}  // namespace
}  // namespace sppo
