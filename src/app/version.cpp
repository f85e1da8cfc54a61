#include "app/version.hpp"

#include <hdf5.h>
#include <mpi.h>

#include <sstream>

#include "build_info.hpp"
#include "dist/blas_kernel.hpp"
#include "dist/communicator.hpp"
#include "dist/device.hpp"

namespace sppo {

std::string version_text() {
  std::ostringstream out;
  out << "sppo " << SPPO_VERSION << " (git " << SPPO_GIT_REVISION << ")\n";
  out << "LibTorch " << SPPO_TORCH_VERSION << "\n";
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(mpi, &length);  // callable before MPI_Init
  std::string mpi_text(mpi, static_cast<std::size_t>(length));
  out << "MPI " << MPI_VERSION << "." << MPI_SUBVERSION << ": " << mpi_text.substr(0, mpi_text.find_first_of(",\n")) << "\n";
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  out << "HDF5 " << major << "." << minor << "." << release
#ifdef H5_HAVE_PARALLEL
      << " (parallel)"
#endif
      << "\n";
  out << describe_blas_kernel(probe_blas_kernel()) << "\n";
  out << "NCCL backend " << (nccl_compiled() ? "on" : "off") << "\n";
  // What dist.device auto would pick for node-local rank 0 (scripts/gpu-check reads this line).
  const DeviceFacts devices = probe_devices();
  if (!devices.torch_has_cuda)
    out << "devices: cpu (this LibTorch has no CUDA)\n";
  else
    out << "devices: " << devices.visible_gpus << " GPU(s)"
        << (devices.visible_gpus > 0 ? ", first " + describe_device(c10::Device(c10::kCUDA, 0)) : std::string()) << "\n";
  return out.str();
}

}  // namespace sppo
