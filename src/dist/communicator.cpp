#include "dist/communicator.hpp"

#include <ATen/ATen.h>

#include "core/error.hpp"
#include "dist/mpi_communicator.hpp"
#if SPPO_HAVE_NCCL
#include "dist/nccl_communicator.hpp"
#endif

namespace sppo {

void Communicator::all_gather(const at::Tensor& in, at::Tensor& out) {
  all_gather_v(in, out, std::vector<int64_t>(static_cast<std::size_t>(size()), in.numel()));
}

void Communicator::reduce_scatter(const at::Tensor& in, at::Tensor& out, ReduceOp op) {
  reduce_scatter_v(in, out, std::vector<int64_t>(static_cast<std::size_t>(size()), out.numel()), op);
}

void Communicator::check_counts(const char* collective, const std::vector<int64_t>& counts) const {
  if (counts.size() != static_cast<std::size_t>(size()))
    throw DistError(std::string(collective) + ": expected " + std::to_string(size()) + " counts, got " +
                    std::to_string(counts.size()));
}

void check_collective_args(const char* collective, const at::Tensor& in, const at::Tensor& out,
                           int64_t expected_in, int64_t expected_out) {
  auto fail = [&](const std::string& what) { throw DistError(std::string(collective) + ": " + what); };
  if (!in.is_contiguous() || !out.is_contiguous()) fail("expected contiguous tensors");
  if (in.scalar_type() != out.scalar_type())
    fail(std::string("expected equal dtypes, got ") + c10::toString(in.scalar_type()) + " and " +
         c10::toString(out.scalar_type()));
  if (in.device() != out.device()) fail("expected tensors on one device");
  if (in.numel() != expected_in)
    fail("expected an input of " + std::to_string(expected_in) + " elements, got " + std::to_string(in.numel()));
  if (out.numel() != expected_out)
    fail("expected an output of " + std::to_string(expected_out) + " elements, got " + std::to_string(out.numel()));
}

bool nccl_compiled() { return SPPO_HAVE_NCCL != 0; }

std::unique_ptr<Communicator> make_communicator(Backend backend, c10::Device device, const RankGroup& group) {
  const bool cuda = device.is_cuda();
  if (backend == Backend::nccl || (backend == Backend::automatic && cuda)) {
#if SPPO_HAVE_NCCL
    if (!cuda)
      throw ConfigError("dist.backend = nccl: NCCL moves GPU tensors, and this rank computes on the CPU "
                        "(dist.device = cpu, or no GPU visible): use dist.backend mpi or auto");
    return std::make_unique<NcclCommunicator>(group.duplicate(), device.index());
#else
    throw ConfigError("dist.backend = nccl: this build has no NCCL backend (configure found no CUDA/NCCL)");
#endif
  }
  if (cuda)
    throw ConfigError("dist.backend = mpi: the MPI backend moves CPU tensors, and this rank computes on " +
                      device.str() + ": use dist.backend nccl or auto");
  return std::make_unique<MpiCommunicator>(group.duplicate());
}

}  // namespace sppo
