#include "app/job_context.hpp"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <iostream>
#include <thread>
#include <algorithm>
#include <filesystem>

#include "core/error.hpp"
#include "core/heap_reuse.hpp"
#include "dist/blas_kernel.hpp"
#include "dist/device.hpp"
#include "io/run_layout.hpp"

namespace sppo {

bool keeps_freed_memory(const Config& config) {
  if (config.dist.freed_memory == FreedMemory::automatic)
    return config.train.activation_checkpointing == ActivationCheckpointing::off;
  return config.dist.freed_memory == FreedMemory::keep;
}

bool use_prefetch(Prefetch setting, bool thread_multiple, int threads_per_rank) {
  return thread_multiple && (setting == Prefetch::on || (setting == Prefetch::automatic && threads_per_rank > 1));
}

JobContext::JobContext(const CommandLine& cl, int* argc, char*** argv)
    : config_(load_config(*cl.flag("config"), cl.overrides)), command_(cl.command) {
  // Before any stage allocates: large freed blocks stay in malloc's heap for the next use
  // (dist.freed_memory; a user's own GLIBC_TUNABLES for malloc win; core/heap_reuse.hpp).
  if (keeps_freed_memory(config_)) keep_freed_memory(std::getenv("GLIBC_TUNABLES"));
  mpi_ = std::make_unique<MpiSession>(argc, argv);
  log_ = std::make_unique<Log>(std::cerr, mpi_->rank());
  // Once per job (rank 0), not once per rank: every rank loads the same OpenBLAS.
  if (log_->prints_info()) {
    const BlasKernel blas = probe_blas_kernel();
    if (const std::string slow = blas_kernel_warning(blas); !slow.empty()) log_->warn(slow);
    if (const std::string note = blas_kernel_note(blas); !note.empty()) log_->info(note);
  }
  auto slurm_int = [](const char* name) -> std::optional<int> {
    const char* v = std::getenv(name);
    return v && *v ? std::optional<int>(std::atoi(v)) : std::nullopt;
  };
  const std::optional<int> slurm = slurm_int("SLURM_CPUS_PER_TASK");
  const int threads = threads_per_rank(config_.dist.threads_per_rank, slurm,
                                       static_cast<int>(std::thread::hardware_concurrency()), mpi_->local_size());
  at::set_num_threads(threads);
  at::set_num_interop_threads(1);
  const c10::Device device =
      choose_device(config_.dist.device, probe_devices(), mpi_->local_rank(), slurm_int("SLURM_LOCALID"));
  if (device.is_cuda()) log_->info_any_rank("computes on " + describe_device(device));
  comm_ = make_communicator(config_.dist.backend, device, mpi_->world());
  if (use_prefetch(config_.dist.prefetch, mpi_->thread_multiple(), threads))
    prefetch_ = make_communicator(config_.dist.backend, device, mpi_->world());
  context_ = std::make_unique<RunContext>(*comm_, prefetch_.get(), device, threads, mpi_->thread_multiple(), *log_, &stop_);
  log_->info("sppo " + cl.command + ": " + std::to_string(mpi_->size()) + " rank(s), " + std::to_string(threads) +
             " thread(s) per rank, " + comm_->backend() + " on " + device.str() + ", config " + config_.source);
}

JobContext::~JobContext() = default;

void JobContext::hold_run_directory(const std::vector<std::string>& outputs) {
  namespace fs = std::filesystem;
  const fs::path root = fs::absolute(run_root(config_)).lexically_normal();
  auto inside = [&](const std::string& path) {
    const fs::path p = fs::absolute(path).lexically_normal();
    const auto mismatch = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    return mismatch.first == root.end();
  };
  if (std::none_of(outputs.begin(), outputs.end(), inside)) return;
  decide_on_rank0(context_->group(), [&] {
    lock_ = std::make_unique<RunLock>(root.string(), LockProbe::system("sppo " + command_), *log_);
    return true;
  });
}

std::optional<int64_t> JobContext::int_flag(const CommandLine& cl, const std::string& name) {
  const auto text = cl.flag(name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || v < 0)
    throw ConfigError("sppo " + cl.command + ": --" + name + " " + *text + ": expected a non-negative integer");
  return v;
}

}  // namespace sppo
