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

std::unique_ptr<Communicator> make_communicator(Backend backend, MPI_Comm comm) {
#if SPPO_HAVE_NCCL
  const bool gpu = at::hasCUDA() && nccl_device_count() > 0;
  if (backend == Backend::nccl || (backend == Backend::automatic && gpu)) {
    if (!gpu) throw DistError("dist.backend = nccl: this process sees no GPU usable by LibTorch");
    return std::make_unique<NcclCommunicator>(comm);
  }
#else
  if (backend == Backend::nccl)
    throw DistError("dist.backend = nccl: this build has no NCCL backend (configure found no CUDA/NCCL)");
#endif
  return std::make_unique<MpiCommunicator>(comm);
}

}  // namespace sppo
