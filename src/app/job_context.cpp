#include "app/job_context.hpp"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "core/error.hpp"

namespace sppo {

JobContext::JobContext(const CommandLine& cl, int* argc, char*** argv)
    : config_(load_config(*cl.flag("config"), cl.overrides)) {
  mpi_ = std::make_unique<MpiSession>(argc, argv);
  log_ = std::make_unique<Log>(std::cerr, mpi_->rank());
  std::optional<int> slurm;
  if (const char* v = std::getenv("SLURM_CPUS_PER_TASK"); v && *v) slurm = std::atoi(v);
  threads_ = threads_per_rank(config_.dist.threads_per_rank, slurm, static_cast<int>(std::thread::hardware_concurrency()),
                              mpi_->local_size());
  at::set_num_threads(threads_);
  at::set_num_interop_threads(1);
  log_->info("sppo " + cl.command + ": " + std::to_string(mpi_->size()) + " rank(s), " + std::to_string(threads_) +
             " thread(s) per rank, config " + config_.source);
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
