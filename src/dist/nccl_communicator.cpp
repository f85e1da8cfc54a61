#include "dist/nccl_communicator.hpp"

#include <ATen/ATen.h>
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"

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

// Owns the NCCL communicator, the CUDA stream its collectives run on, and the two events
// that order that stream against torch's: `ready` (torch's work so far, which produced the
// inputs) and `done` (the collective, which torch's later work waits for).
struct NcclCommunicator::State {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t ready = nullptr;
  cudaEvent_t done = nullptr;
  ~State() {
    if (comm) ncclCommDestroy(comm);
    if (ready) cudaEventDestroy(ready);
    if (done) cudaEventDestroy(done);
    if (stream) cudaStreamDestroy(stream);
  }
};

// Torch's kernels run on the legacy default stream (sppo never sets another current stream).
// A collective waits on the GPU, not on the host, for what torch queued before it, and torch's
// later kernels wait on the GPU for the collective: no host synchronisation and no device-wide
// one. A host read of a result (.cpu(), .item()) synchronises torch's stream and so this one.
class StreamOrder {
 public:
  StreamOrder(NcclCommunicator::State& s, int device, const char* name) : s_(s), name_(name) {
    check_cuda(cudaSetDevice(device), name_);  // the prefetch's helper thread starts on device 0
    check_cuda(cudaEventRecord(s_.ready, cudaStreamLegacy), name_);
    check_cuda(cudaStreamWaitEvent(s_.stream, s_.ready, 0), name_);
  }
  void finish() {
    check_cuda(cudaEventRecord(s_.done, s_.stream), name_);
    check_cuda(cudaStreamWaitEvent(cudaStreamLegacy, s_.done, 0), name_);
  }

 private:
  NcclCommunicator::State& s_;
  const char* name_;
};

int nccl_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;
  return count;
}

NcclCommunicator::NcclCommunicator(RankGroup group, int device)
    : Communicator(std::move(group)), state_(std::make_unique<State>()), device_(device) {
  const int devices = nccl_device_count();
  if (device_ < 0 || device_ >= devices)
    throw DistError("NCCL backend: rank " + std::to_string(rank()) + " asked for GPU " + std::to_string(device_) +
                    ", and it sees " + std::to_string(devices));
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
  check_cuda(cudaStreamCreateWithFlags(&state_->stream, cudaStreamNonBlocking), "cudaStreamCreate");
  check_cuda(cudaEventCreateWithFlags(&state_->ready, cudaEventDisableTiming), "cudaEventCreate");
  check_cuda(cudaEventCreateWithFlags(&state_->done, cudaEventDisableTiming), "cudaEventCreate");
  ncclUniqueId id;
  if (rank() == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  id = this->group().broadcast(id);
  check_nccl(ncclCommInitRank(&state_->comm, size(), id, rank()), "ncclCommInitRank");
}

NcclCommunicator::~NcclCommunicator() = default;

// Each collective runs on the communicator's stream, ordered against torch's stream by events
// (StreamOrder): a result is ready for every torch operation issued after the call returns.
void NcclCommunicator::all_gather_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts) {
  const char* name = "all_gather";
  check_counts(name, counts);
  check_collective_args(name, in, out, counts[rank()], std::accumulate(counts.begin(), counts.end(), int64_t{0}));
  check_cuda_tensor(in, name);
  StreamOrder order(*state_, device_, name);
  const ncclDataType_t type = nccl_type(in.scalar_type(), name);
  const bool equal = std::all_of(counts.begin(), counts.end(), [&](int64_t c) { return c == counts[0]; });
  if (equal) {
    check_nccl(ncclAllGather(in.data_ptr(), out.data_ptr(), counts[0], type, state_->comm, state_->stream), name);
  } else {
    // Unequal shares: one broadcast per rank into its place of `out`, grouped into one launch.
    check_nccl(ncclGroupStart(), name);
    int64_t offset = 0;
    for (int r = 0; r < size(); ++r) {
      const void* send = r == rank() ? in.data_ptr() : nullptr;
      check_nccl(ncclBroadcast(send, element_ptr(out, offset), counts[r], type, r, state_->comm, state_->stream), name);
      offset += counts[r];
    }
    check_nccl(ncclGroupEnd(), name);
  }
  order.finish();
}

void NcclCommunicator::reduce_scatter_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts,
                                        ReduceOp op) {
  const char* name = "reduce_scatter";
  check_counts(name, counts);
  check_collective_args(name, in, out, std::accumulate(counts.begin(), counts.end(), int64_t{0}), counts[rank()]);
  check_cuda_tensor(in, name);
  StreamOrder order(*state_, device_, name);
  const ncclDataType_t type = nccl_type(in.scalar_type(), name);
  const bool equal = std::all_of(counts.begin(), counts.end(), [&](int64_t c) { return c == counts[0]; });
  if (equal) {
    check_nccl(ncclReduceScatter(in.data_ptr(), out.data_ptr(), counts[0], type, nccl_op(op), state_->comm, state_->stream),
               name);
  } else {
    // Unequal shares: one reduce per rank onto its owner, grouped into one launch.
    check_nccl(ncclGroupStart(), name);
    int64_t offset = 0;
    for (int r = 0; r < size(); ++r) {
      void* recv = r == rank() ? out.data_ptr() : nullptr;
      check_nccl(ncclReduce(element_ptr(in, offset), recv, counts[r], type, nccl_op(op), r, state_->comm, state_->stream),
                 name);
      offset += counts[r];
    }
    check_nccl(ncclGroupEnd(), name);
  }
  order.finish();
}

void NcclCommunicator::all_reduce(at::Tensor& tensor, ReduceOp op) {
  const char* name = "all_reduce";
  check_collective_args(name, tensor, tensor, tensor.numel(), tensor.numel());
  check_cuda_tensor(tensor, name);
  StreamOrder order(*state_, device_, name);
  check_nccl(ncclAllReduce(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), nccl_type(tensor.scalar_type(), name),
                           nccl_op(op), state_->comm, state_->stream),
             name);
  order.finish();
}

void NcclCommunicator::broadcast(at::Tensor& tensor, int root) {
  const char* name = "broadcast";
  check_collective_args(name, tensor, tensor, tensor.numel(), tensor.numel());
  check_cuda_tensor(tensor, name);
  StreamOrder order(*state_, device_, name);
  check_nccl(ncclBroadcast(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), nccl_type(tensor.scalar_type(), name),
                           root, state_->comm, state_->stream),
             name);
  order.finish();
}

void NcclCommunicator::barrier() { group().barrier(); }

}  // namespace sppo
