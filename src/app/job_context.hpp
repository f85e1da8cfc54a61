#pragma once
// defines: JobContext, what a stage command sets up before work: MPI, the rank-aware log,
// torch's thread counts, and the validated config with its --set overrides.
#include <memory>
#include <optional>
#include <string>

#include "app/command_line.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "dist/mpi_session.hpp"

namespace sppo {

class JobContext {
 public:
  // Reads --config (with --set overrides), starts MPI, sets torch's intra-op threads to
  // threads_per_rank(...) and inter-op threads to 1.
  JobContext(const CommandLine& cl, int* argc, char*** argv);

  const Config& config() const { return config_; }
  MpiSession& mpi() { return *mpi_; }
  const Log& log() const { return *log_; }
  int threads() const { return threads_; }

  // An integer flag, e.g. --iteration; throws ConfigError naming the flag.
  static std::optional<int64_t> int_flag(const CommandLine& cl, const std::string& name);

 private:
  Config config_;
  std::unique_ptr<MpiSession> mpi_;
  std::unique_ptr<Log> log_;
  int threads_ = 1;
};

}  // namespace sppo
