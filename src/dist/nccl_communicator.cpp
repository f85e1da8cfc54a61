#include "dist/nccl_communicator.hpp"

#include <ATen/ATen.h>
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "dist/mpi_handles.hpp"

namespace sppo {
namespace {

void check_cuda(cudaError_t status, const std::string& what) {
  if (status != cudaSuccess) throw DistError(what + ": " + cudaGetErrorString(status));
}

void check_nccl(ncclResult_t status, const std::string& what) {
  if (status != ncclSuccess) throw DistError(what + ": " + ncclGetErrorString(status));
}

ncclDataType_t nccl_type(at::ScalarType t, const char* collective) {
  switch (t) {
    case at::kFloat: return ncclFloat32;
    case at::kDouble: return ncclFloat64;
    case at::kHalf: return ncclFloat16;
    case at::kBFloat16: return ncclBfloat16;
    case at::kLong: return ncclInt64;
    case at::kInt: return ncclInt32;
    case at::kByte:
    case at::kBool: return ncclUint8;
    case at::kChar: return ncclInt8;
    default: throw DistError(std::string(collective) + ": unsupported dtype " + c10::toString(t));
  }
}

ncclRedOp_t nccl_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return ncclSum;
    case ReduceOp::avg: return ncclAvg;
    case ReduceOp::max: return ncclMax;
  }
  return ncclSum;
}

void check_cuda_tensor(const at::Tensor& t, const char* collective) {
  if (!t.is_cuda()) throw DistError(std::string(collective) + ": the NCCL backend takes CUDA tensors");
}

// Bytes from the start of `t` to element `offset`.
void* element_ptr(const at::Tensor& t, int64_t offset) {
  return static_cast<char*>(t.data_ptr()) + offset * static_cast<int64_t>(t.element_size());
}

}  // namespace

struct NcclCommunicator::State {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  MpiComm mpi;  // for the unique id and for barrier
};

int nccl_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;
  return count;
}

NcclCommunicator::NcclCommunicator(MPI_Comm comm) : state_(new State) {
  try {
    state_->mpi = MpiComm::duplicate(comm);
    MPI_Comm_rank(state_->mpi.get(), &rank_);
    MPI_Comm_size(state_->mpi.get(), &size_);
    MPI_Comm node;
    check_mpi(MPI_Comm_split_type(state_->mpi.get(), MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "split node");
    int local_rank = 0;
    MPI_Comm_rank(node, &local_rank);
    MPI_Comm_free(&node);
    const int devices = nccl_device_count();
    if (devices == 0) throw DistError("NCCL backend: no CUDA device visible to rank " + std::to_string(rank_));
    device_ = local_rank % devices;
    check_cuda(cudaSetDevice(device_), "cudaSetDevice");
    check_cuda(cudaStreamCreateWithFlags(&state_->stream, cudaStreamNonBlocking), "cudaStreamCreate");
    ncclUniqueId id;
    if (rank_ == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    check_mpi(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, state_->mpi.get()), "broadcast ncclUniqueId");
    check_nccl(ncclCommInitRank(&state_->comm, size_, id, rank_), "ncclCommInitRank");
  } catch (...) {
    if (state_->stream) cudaStreamDestroy(state_->stream);
    delete state_;
    throw;
  }
}

NcclCommunicator::~NcclCommunicator() {
  if (state_->comm) ncclCommDestroy(state_->comm);
  if (state_->stream) cudaStreamDestroy(state_->stream);
  delete state_;
}

// Each collective runs on the communicator's stream and is waited for before returning:
// the caller's tensors are ready when the call ends, as with the MPI backend.
void NcclCommunicator::all_gather_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts) {
  const char* name = "all_gather";
  if (counts.size() != static_cast<std::size_t>(size_)) throw DistError("all_gather: expected one count per rank");
  check_collective_args(name, in, out, counts[rank_], std::accumulate(counts.begin(), counts.end(), int64_t{0}));
  check_cuda_tensor(in, name);
  const ncclDataType_t type = nccl_type(in.scalar_type(), name);
  const bool equal = std::all_of(counts.begin(), counts.end(), [&](int64_t c) { return c == counts[0]; });
  if (equal) {
    check_nccl(ncclAllGather(in.data_ptr(), out.data_ptr(), counts[0], type, state_->comm, state_->stream), name);
  } else {
    // Unequal shares: one broadcast per rank into its place of `out`, grouped into one launch.
    check_nccl(ncclGroupStart(), name);
    int64_t offset = 0;
    for (int r = 0; r < size_; ++r) {
      const void* send = r == rank_ ? in.data_ptr() : nullptr;
      check_nccl(ncclBroadcast(send, element_ptr(out, offset), counts[r], type, r, state_->comm, state_->stream), name);
      offset += counts[r];
    }
    check_nccl(ncclGroupEnd(), name);
  }
  check_cuda(cudaStreamSynchronize(state_->stream), name);
}

void NcclCommunicator::reduce_scatter_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts,
                                        ReduceOp op) {
  const char* name = "reduce_scatter";
  if (counts.size() != static_cast<std::size_t>(size_)) throw DistError("reduce_scatter: expected one count per rank");
  check_collective_args(name, in, out, std::accumulate(counts.begin(), counts.end(), int64_t{0}), counts[rank_]);
  check_cuda_tensor(in, name);
  const ncclDataType_t type = nccl_type(in.scalar_type(), name);
  const bool equal = std::all_of(counts.begin(), counts.end(), [&](int64_t c) { return c == counts[0]; });
  if (equal) {
    check_nccl(ncclReduceScatter(in.data_ptr(), out.data_ptr(), counts[0], type, nccl_op(op), state_->comm, state_->stream),
               name);
  } else {
    // Unequal shares: one reduce per rank onto its owner, grouped into one launch.
    check_nccl(ncclGroupStart(), name);
    int64_t offset = 0;
    for (int r = 0; r < size_; ++r) {
      void* recv = r == rank_ ? out.data_ptr() : nullptr;
      check_nccl(ncclReduce(element_ptr(in, offset), recv, counts[r], type, nccl_op(op), r, state_->comm, state_->stream),
                 name);
      offset += counts[r];
    }
    check_nccl(ncclGroupEnd(), name);
  }
  check_cuda(cudaStreamSynchronize(state_->stream), name);
}

void NcclCommunicator::all_reduce(at::Tensor& tensor, ReduceOp op) {
  const char* name = "all_reduce";
  check_collective_args(name, tensor, tensor, tensor.numel(), tensor.numel());
  check_cuda_tensor(tensor, name);
  check_nccl(ncclAllReduce(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), nccl_type(tensor.scalar_type(), name),
                           nccl_op(op), state_->comm, state_->stream),
             name);
  check_cuda(cudaStreamSynchronize(state_->stream), name);
}

void NcclCommunicator::broadcast(at::Tensor& tensor, int root) {
  const char* name = "broadcast";
  check_collective_args(name, tensor, tensor, tensor.numel(), tensor.numel());
  check_cuda_tensor(tensor, name);
  check_nccl(ncclBroadcast(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), nccl_type(tensor.scalar_type(), name),
                           root, state_->comm, state_->stream),
             name);
  check_cuda(cudaStreamSynchronize(state_->stream), name);
}

void NcclCommunicator::barrier() { check_mpi(MPI_Barrier(state_->mpi.get()), "barrier"); }

}  // namespace sppo
