#pragma once
// defines: version_text, what `sppo version` prints: the git revision and the versions of
// LibTorch, MPI, HDF5 and whether NCCL is compiled in.
#include <string>

namespace sppo {

std::string version_text();

}  // namespace sppo
